#!/usr/bin/env bash
# The GPU check: tools/gpu_check.sh [REPORT.md] [options]  (about 10 minutes on one CUDA GPU; no data sets)
# Trains every algorithm for a few iterations in fp32, under --amp and in channels-last (losses finite,
# weights move), times AdaptSegNet R101 (1280x720 + 1024x512), CycleGAN 256x256 and PixelDA 32x32 eager vs
# --compile (fp32 and AMP, with CUDA peak memory), and ends with a 2-process DDP run on the GPU. Writes a
# markdown report, docs/results/gpu_check.md unless REPORT.md is given; exits 1 if anything failed.
#   tools/gpu_check.sh                              # the whole check
#   tools/gpu_check.sh /tmp/check.md --only ADDA --skip-ddp   # one algorithm: its training runs (and timings)
#   tools/gpu_check.sh /tmp/dry.md --dry-run        # every path except CUDA's, on the CPU at toy sizes
# Options: python -m dareg.benchmark.gpu_check --help
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$DIR/.."
OUT=docs/results/gpu_check.md
if [[ $# -gt 0 && $1 != -* ]]; then
    OUT=$1
    shift
fi
PYTHONPATH="$PWD:${PYTHONPATH:-}" exec python -m dareg.benchmark.gpu_check --out "$OUT" "$@"
