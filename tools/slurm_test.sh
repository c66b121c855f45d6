#!/usr/bin/env bash
# Testing under Slurm (srun), as MMPretrain 1.2.0's tools/slurm_test.sh
# (MMSelfSup 1.0.0 ships none; its benchmark scripts take the same arguments):
#
#   [GPUS=8] tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]
#   e.g. GPUS=8 tools/slurm_test.sh gpu test configs/benchmarks/.../linear.py epoch_100.pth --out-metrics m.json
#
# Every argument after CHECKPOINT goes to tools/test.py unchanged (MMSelfSup's
# PY_ARGS). From the environment, as tools/slurm_train.sh:
#   GPUS (8), GPUS_PER_NODE (GPUS, at most 8), CPUS_PER_TASK (5),
#   SRUN_ARGS (''), PYTHON (python).
set -euo pipefail

die() { printf 'slurm_test.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 4 ] || die "usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS=...] tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
# test.py takes no bare number after the checkpoint: a GPU count misplaced.
if [ $# -ge 5 ] && [[ $5 =~ ^[0-9]+$ ]]; then
  die "the 5th argument '$5' looks like a GPU count: pass it as GPUS=$5 in the environment (GPUS=$5 tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...])"
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
    "$PYTHON" -u "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher="slurm" "${@:5}"
