#!/usr/bin/env bash
# Training under Slurm (srun), as MMSelfSup 1.0.0's tools/slurm_train.sh:
#
#   [GPUS=8] tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args...]
#   e.g. GPUS=16 tools/slurm_train.sh gpu hexa configs/hexa_moco_r50_200e.py --work-dir work_dirs/x
#
# Every argument after CONFIG goes to tools/train.py unchanged (MMSelfSup's
# PY_ARGS). From the environment:
#   GPUS (8): tasks (processes) in all;
#   GPUS_PER_NODE (GPUS, at most 8): tasks and GPUs per node;
#   CPUS_PER_TASK (5): CPUs of each task (loader workers);
#   SRUN_ARGS (''): more srun options, split on spaces, e.g. '--quotatype=auto';
#   PYTHON (python): the interpreter of each task.
# hexa_mm's additions to MMSelfSup's script: PYTHON, the checkout on PYTHONPATH
# (absolute, so any working directory works), GPUS_PER_NODE's default fits
# jobs under 8 GPUs, and checked arguments.
set -euo pipefail

die() { printf 'slurm_train.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 3 ] || die "usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args...]"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
# Before MMSelfSup's convention, hexa_mm took the GPU count 4th: tell it apart
# from train.py's arguments (options, never a bare number).
if [ $# -ge 4 ] && [[ $4 =~ ^[0-9]+$ ]]; then
  die "the 4th argument '$4' looks like a GPU count: pass it as GPUS=$4 in the environment (GPUS=$4 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args...])"
fi
GPUS=${GPUS:-8}
[[ $GPUS =~ ^[0-9]+$ ]] && [ "$GPUS" -ge 1 ] || die "GPUS must be an integer >= 1, got '$GPUS'"
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a SRUN_EXTRA <<< "$SRUN_ARGS"

set -x
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_EXTRA[@]+"${SRUN_EXTRA[@]}"} \
    "$PYTHON" -u "$ROOT/tools/train.py" "$CONFIG" --launcher="slurm" "${@:4}"
