"""The training command shared by ``tools/train.py`` and ``dareg train``: its options and its run."""

from __future__ import annotations

import argparse

from dareg.utils.config import USER_ERRORS, CfgOptionsAction, load_config


def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of a training run (config, work dir, resume, AMP, compile, overrides, launcher)."""
    parser.add_argument(
        "config", help="path of the config file, or an installed config: dareg::demo/source_only_digits.py"
    )
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
        "--compile",
        action="store_true",
        help="torch.compile each network of the algorithm in place (config key `compile`; checkpoint keys unchanged)",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=CfgOptionsAction,
        help="override config keys, e.g. train_cfg.max_iters=100 model.lambda_adv=[0.0002,0.001]",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def run_train(args: argparse.Namespace) -> None:
    """Load the config, apply the options and train; a user's mistake ends with its message only.

    Raises:
        SystemExit: A config, plugin or file error, printed as ``error: ...`` without a traceback.
    """
    from dareg.apis.train import apply_run_options, train
    from dareg.engine.hooks import CheckpointWriteError
    from dareg.utils.checkpoint_files import CorruptCheckpointError

    try:
        cfg = load_config(args.config, args.cfg_options)
        apply_run_options(cfg, args.config, args.work_dir, args.resume, args.amp, args.launcher, args.compile)
        train(cfg)
    except (*USER_ERRORS, CorruptCheckpointError, CheckpointWriteError) as error:
        cause = f"\n  caused by: {type(error.__cause__).__name__}: {error.__cause__}" if error.__cause__ else ""
        raise SystemExit(f"error: {error}{cause}") from error
