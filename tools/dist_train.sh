#!/usr/bin/env bash
# Distributed training with torchrun, as MMSelfSup 1.0.0's tools/dist_train.sh:
#
#   tools/dist_train.sh CONFIG GPUS [train.py args...]
#   e.g. tools/dist_train.sh configs/hexa_moco_r50_200e.py 8 --work-dir work_dirs/x
#
# GPUS is the number of processes on this node; every argument after it goes
# to tools/train.py unchanged. From the environment:
#   NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500): torchrun's
#       --nnodes, --node_rank, --master_addr, --master_port (every node the same
#       MASTER_ADDR and PORT);
#   PORT=0: one node only, torchrun --standalone picks a free port itself (no
#       clash between jobs or test runs on one machine);
#   PYTHON (python): the interpreter that runs torchrun.
# hexa_mm's additions to MMSelfSup's script: PORT=0, PYTHON, the checkout on
# PYTHONPATH (the configs' custom_imports find hexa_mm without installing it),
# tools/train.py found from any working directory, and checked arguments.
set -euo pipefail

die() { printf 'dist_train.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: [NNODES=1 NODE_RANK=0 MASTER_ADDR=127.0.0.1 PORT=29500] tools/dist_train.sh CONFIG GPUS [train.py args...]"
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

is_count() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "${3:-1}" ] || die "$1 must be an integer >= ${3:-1}, got '$2'"; }
is_count GPUS "$GPUS"
is_count NNODES "$NNODES"
is_count NODE_RANK "$NODE_RANK" 0
is_count PORT "$PORT" 0
if [ "$PORT" -eq 0 ]; then
  [ "$NNODES" -eq 1 ] || die "PORT=0 (a free port picked by torchrun --standalone) works on one node only; NNODES=$NNODES needs a PORT shared by all nodes"
  RENDEZVOUS=(--standalone)
else
  RENDEZVOUS=(--nnodes="$NNODES" --node_rank="$NODE_RANK"
              --master_addr="$MASTER_ADDR" --master_port="$PORT")
fi

PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    "${RENDEZVOUS[@]}" \
    --nproc_per_node="$GPUS" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
