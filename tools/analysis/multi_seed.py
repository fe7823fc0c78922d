"""Train a config over several seeds; report mean +- std of the last, validator-chosen and best evaluation.

``python tools/analysis/multi_seed.py CONFIG --seeds 0 1 2 [--work-dir work_dirs/multi_seed/NAME]
[--metric mIoU] [--cfg-options ...] [--summarize-only]``

Each seed trains as ``tools/train.py CONFIG --work-dir ROOT/seed_N --cfg-options randomness.seed=N``
would. When the runs logged unsupervised validator scores (``validator/<name>``, see
``ValidatorValLoop``), the evaluation each validator scores highest is reported too: a checkpoint
chosen without target labels. The best evaluation is labelled "oracle selection": it is chosen on
the target validation set, with target labels. A summary is written to ``ROOT/multi_seed_summary.json``,
with the environment of the runs (package versions, threads, dareg commit, data fingerprints).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from mmengine.config import DictAction

from dareg.analysis.runs import run_environment
from dareg.analysis.seeds import summarize_seeds
from dareg.apis.multi_seed import seed_work_dir, train_seeds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a dareg config over several seeds and summarise")
    parser.add_argument("config", help="config file")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (randomness.seed)")
    parser.add_argument("--work-dir", help="parent of the per-seed work dirs (default work_dirs/multi_seed/<config>)")
    parser.add_argument("--metric", help="metric key as logged (e.g. mIoU, accuracy/top1); default: the only one")
    parser.add_argument("--lower-is-better", action="store_true", help="the metric improves downwards")
    parser.add_argument("--amp", action="store_true", help="train with automatic mixed precision")
    parser.add_argument("--resume", action="store_true", help="resume unfinished seeds from their latest checkpoint")
    parser.add_argument("--summarize-only", action="store_true", help="do not train; summarise existing work dirs")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config keys")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = os.path.splitext(os.path.basename(args.config))[0]
    root = args.work_dir or os.path.join("work_dirs", "multi_seed", name)
    if args.summarize_only:
        work_dirs = [seed_work_dir(root, seed) for seed in args.seeds]
    else:
        work_dirs = train_seeds(args.config, args.seeds, root, args.cfg_options, amp=args.amp, resume=args.resume)
    summary = summarize_seeds(work_dirs, args.metric, higher_is_better=not args.lower_is_better)
    print(summary.format())
    os.makedirs(root, exist_ok=True)
    environment = run_environment(args.config, args.cfg_options, threads=None)
    with open(os.path.join(root, "multi_seed_summary.json"), "w") as handle:
        json.dump({**summary.to_dict(), "environment": environment}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
