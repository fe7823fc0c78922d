"""Train a dareg config: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|CKPT]] ...``.

CONFIG is a file or an installed config name (``dareg::demo/source_only_digits.py``). ``dareg train``
is the same command for an installed dareg.
"""

from __future__ import annotations

import argparse
import sys

from dareg.apis.train import shutdown_distributed
from dareg.engine.hooks import TrainingPreempted
from dareg.train_command import add_train_arguments, run_train
from dareg.utils.process import exit_after_collectives


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a dareg domain-adaptation config")
    return add_train_arguments(parser).parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    try:
        run_train(parse_args(argv))
    except TrainingPreempted as stop:  # PreemptionHook logged its line; every rank stopped at one iteration
        if argv is None and shutdown_distributed():
            exit_after_collectives(stop.code)
        raise
    if argv is None and shutdown_distributed():
        exit_after_collectives(0)  # see its docstring: gloo threads vs. interpreter shutdown


if __name__ == "__main__":
    sys.exit(main())
