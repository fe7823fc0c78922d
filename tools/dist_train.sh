#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG GPUS [tools/train.py options...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT as for torchrun.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$DIR/torchrun.sh" "$2" "$DIR/train.py" "$1" "${@:3}"
