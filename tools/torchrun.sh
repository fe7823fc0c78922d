#!/usr/bin/env bash
# torchrun for dareg's tools: tools/torchrun.sh NPROC SCRIPT [script arguments...] (adds --launcher pytorch).
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT as for torchrun.
set -euo pipefail
NPROC=$1
SCRIPT=$2
shift 2
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHONPATH="$DIR/..:${PYTHONPATH:-}" exec python -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" --master_port="${PORT:-29500}" \
    "$SCRIPT" "$@" --launcher pytorch
