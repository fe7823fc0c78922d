"""Follow a digit run checkpoint by checkpoint: accuracy by digit polarity, and what its generator draws.

    python tools/analysis/polarity_study.py CONFIG WORK_DIR [WORK_DIR ...] --out DIR [--grids 1000 1250]

For each ``iter_N.pth`` in each work directory (one per seed), on the photo-blend digit pair: target
test accuracy on bright and on dark digits and, for a model with a ``generator``, the share of
translated source test digits drawn dark-on-bright (:mod:`dareg.analysis.polarity_study`).
Writes ``polarity_study.json``, ``polarity_study.md`` (one table per work directory) and
``polarity_study.png`` (curves); with ``--grids``, a PNG per listed iteration of the first work
directory: the first 12 source test digits (top row) and three translations of each with fresh noise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from dareg.analysis.classifiers import dataset_arrays
from dareg.analysis.polarity_study import grid, study_run, write_report
from dareg.utils.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config")
    parser.add_argument("work_dirs", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--grids", type=int, nargs="*", default=[], help="iterations to draw translation grids of")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cfg = load_config(args.config)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target = dataset_arrays(dict(cfg.val_dataloader.dataset))
    source = dataset_arrays(dict(cfg.val_dataloader.dataset, domain="source", split="test"))
    write_report({str(w): study_run(cfg, Path(w), target, source) for w in args.work_dirs}, out)
    first = Path(args.work_dirs[0])
    for iteration in args.grids:
        grid(cfg, first / f"iter_{iteration}.pth", source[0], out / f"translations_iter_{iteration}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
