#!/usr/bin/env bash
# The GPU check: tools/gpu_check.sh [REPORT.md] [--setup] [--quick] [options]  (no data sets, no pretrained weights)
# --quick: what a first GPU run would break, in an estimated 4 minutes on one GPU: AdaptSegNet R101 at the
#   reference size in fp32 and AMP (CUDA peaks), a validation at 2048x1024, a checkpoint then --resume through
#   tools/train.py, DANN under 2-process DDP, DataLoader workers with pinned memory.
# Without --quick, the full check (estimated 20-30 minutes): every algorithm in fp32, AMP and channels-last,
#   AdaptSegNet R101 / CycleGAN / PixelDA eager vs --compile, 2-process DDP of PixelDA.
# --setup first installs the locked environment into the current python (pip install -r requirements/lock.txt,
#   then dareg itself without dependencies), so a fresh GPU machine needs one command:
#   bash tools/gpu_check.sh /tmp/quick.md --setup --quick       # fresh machine: install, then the quick mode
#   tools/gpu_check.sh                                          # the full check -> docs/results/gpu_check.md
#   tools/gpu_check.sh /tmp/check.md --only ADDA --skip-ddp     # one algorithm: its training runs (and timings)
#   tools/gpu_check.sh /tmp/dry.md --quick --dry-run            # the quick mode on the CPU at toy sizes (CI)
# Writes a markdown report; exits 1 if anything failed. Options: python -m dareg.benchmark.gpu_check --help
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$DIR/.."
OUT=docs/results/gpu_check.md
if [[ $# -gt 0 && $1 != -* ]]; then
    OUT=$1
    shift
fi
SETUP=0
ARGS=()
for arg in "$@"; do
    if [[ $arg == --setup ]]; then SETUP=1; else ARGS+=("$arg"); fi
done
if ((SETUP)); then
    if [[ -f requirements/lock.txt ]]; then
        python -m pip install -r requirements/lock.txt
    else
        echo "gpu_check.sh: requirements/lock.txt is not in this checkout; installing pyproject.toml's dependencies" \
            "with requirements/constraints.txt instead (torch, torchvision and mmengine pinned, the rest NOT locked)" >&2
        python -m pip install -c requirements/constraints.txt -e .
    fi
    python -m pip install --no-deps -e .
fi
PYTHONPATH="$PWD:${PYTHONPATH:-}" exec python -m dareg.benchmark.gpu_check --out "$OUT" "${ARGS[@]}"
