#!/usr/bin/env bash
# Distributed evaluation with torchrun: tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py options...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT as for torchrun.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$DIR/torchrun.sh" "$3" "$DIR/test.py" "$1" "$2" "${@:4}"
