"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--show-dir DIR] [--work-dir DIR] ...``."""

from __future__ import annotations

import argparse
import sys

from dareg.apis import apply_run_options, apply_test_options, run_test
from dareg.apis.train import shutdown_distributed
from dareg.utils.checkpoint_files import CorruptCheckpointError
from dareg.utils.config import USER_ERRORS, CfgOptionsAction, load_config
from dareg.utils.process import exit_after_collectives


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Evaluate a dareg checkpoint on the config's test set")
    parser.add_argument("config", help="path of the config file")
    parser.add_argument("checkpoint", help="checkpoint file to evaluate")
    parser.add_argument("--work-dir", help="directory for logs (default ./work_dirs/<config>)")
    parser.add_argument(
        "--show-dir",
        help="save colourised predictions (dataset palette, Cityscapes by default) into this directory "
        "(relative paths are under the work directory)",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=CfgOptionsAction,
        help="override config keys, e.g. test_dataloader.dataset.data_root=/data/cityscapes",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
        apply_run_options(cfg, args.config, args.work_dir, launcher=args.launcher)
        apply_test_options(cfg, args.checkpoint, args.show_dir)
        metrics = run_test(cfg)
    except (*USER_ERRORS, CorruptCheckpointError) as error:
        cause = f"\n  caused by: {type(error.__cause__).__name__}: {error.__cause__}" if error.__cause__ else ""
        raise SystemExit(f"error: {error}{cause}") from error
    if argv is None and shutdown_distributed():
        exit_after_collectives(0)  # see its docstring: gloo threads vs. interpreter shutdown
    return metrics


if __name__ == "__main__":
    main()
    sys.exit(0)
