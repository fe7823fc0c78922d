"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--show-dir DIR] [--work-dir DIR] ...``.

CONFIG is a file or an installed config name (``dareg::demo/source_only_synthetic.py``). ``dareg test``
is the same command for an installed dareg.
"""

from __future__ import annotations

import argparse
import sys

from dareg.apis.train import exit_after_collectives, shutdown_distributed
from dareg.cli import add_test_arguments, run_test_command


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Evaluate a dareg checkpoint on the config's test set")
    return add_test_arguments(parser).parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    metrics = run_test_command(parse_args(argv))
    if argv is None and shutdown_distributed():
        exit_after_collectives(0)  # see its docstring: gloo threads vs. interpreter shutdown
    return metrics


if __name__ == "__main__":
    main()
    sys.exit(0)
