"""How well each unsupervised validator chooses checkpoints in finished runs.

``python tools/analysis/validator_study.py WORK_DIR [WORK_DIR ...] [--metric accuracy] [--markdown OUT.md]``

Each WORK_DIR is one run (one seed) trained with ``ValidatorValLoop``, or one whose checkpoints
``tools/analysis/score_checkpoints.py`` scored afterwards (its ``checkpoint_scores.json`` is
preferred to the training log), or a folder of ``seed_*`` runs (what ``tools/analysis/multi_seed.py``
writes). Prints, per validator, the target metric of the
checkpoint it chose, the accuracy lost against the oracle choice and the Spearman rank correlation
between its score and the target metric across checkpoints; see :mod:`dareg.analysis.model_selection`.
"""

from __future__ import annotations

import argparse
import sys

from dareg.analysis.checkpoint_scores import read_checkpoint_scores
from dareg.analysis.model_selection import study_selection
from dareg.analysis.seeds import expand_run_dirs, pick_metric, read_evaluations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rank correlation and accuracy lost of unsupervised validators")
    parser.add_argument("work_dirs", nargs="+", help="run work dirs, or folders of seed_* runs")
    parser.add_argument("--metric", help="target metric as logged (default: accuracy / mIoU)")
    parser.add_argument("--markdown", help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    try:
        runs = {
            path: read_checkpoint_scores(path) or read_evaluations(path) for path in expand_run_dirs(args.work_dirs)
        }
        metric = pick_metric(next(iter(runs.values())), args.metric)
        study = study_selection(runs, metric)
    except (FileNotFoundError, KeyError, ValueError) as error:
        raise SystemExit(f"error: {error}") from error
    table = study.markdown()
    print(f"{study.num_runs} runs, checkpoints per run: {study.checkpoints_per_run}\n{table}")
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
