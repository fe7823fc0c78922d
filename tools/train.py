"""Train a dareg config: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|CKPT]] ...``."""

from __future__ import annotations

import argparse
import sys

from dareg.apis import apply_run_options, train
from dareg.apis.train import exit_after_collectives, shutdown_distributed
from dareg.utils.config import USER_ERRORS, CfgOptionsAction, load_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a dareg domain-adaptation config")
    parser.add_argument("config", help="path of the config file")
    parser.add_argument("--work-dir", help="directory for logs and checkpoints (default ./work_dirs/<config>)")
    parser.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        default=None,
        help="resume from CKPT, or from the latest checkpoint of the work directory if no path is given",
    )
    parser.add_argument("--amp", action="store_true", help="train with automatic mixed precision")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=CfgOptionsAction,
        help="override config keys, e.g. train_cfg.max_iters=100 model.lambda_adv=[0.0002,0.001]",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
        apply_run_options(cfg, args.config, args.work_dir, args.resume, args.amp, args.launcher)
        train(cfg)
    except USER_ERRORS as error:
        cause = f"\n  caused by: {type(error.__cause__).__name__}: {error.__cause__}" if error.__cause__ else ""
        raise SystemExit(f"error: {error}{cause}") from error
    if argv is None and shutdown_distributed():
        exit_after_collectives(0)  # see its docstring: gloo threads vs. interpreter shutdown


if __name__ == "__main__":
    sys.exit(main())
