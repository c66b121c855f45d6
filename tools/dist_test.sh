#!/usr/bin/env bash
# Distributed testing with torchrun, as MMPretrain 1.2.0's tools/dist_test.sh
# (MMSelfSup 1.0.0 ships none; its benchmark scripts take the same arguments):
#
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
#   e.g. tools/dist_test.sh configs/benchmarks/.../linear.py work_dirs/linear/epoch_100.pth 8 --out-metrics m.json
#
# GPUS is the number of processes on this node; every argument after it goes
# to tools/test.py unchanged. From the environment, as tools/dist_train.sh:
#   NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500): torchrun's
#       --nnodes, --node_rank, --master_addr, --master_port;
#   PORT=0: one node only, torchrun --standalone picks a free port itself;
#   PYTHON (python): the interpreter that runs torchrun.
set -euo pipefail

die() { printf 'dist_test.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 3 ] || die "usage: [NNODES=1 NODE_RANK=0 MASTER_ADDR=127.0.0.1 PORT=29500] tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]"
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
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
    "$ROOT/tools/test.py" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
