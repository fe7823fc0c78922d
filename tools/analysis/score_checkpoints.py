"""Score every checkpoint of finished runs with unsupervised validators, after training.

``python tools/analysis/score_checkpoints.py CONFIG RUN_DIR [RUN_DIR ...] [--validators IM SND DEV
SourceAccuracy] [--source-val KEY=VALUE ...] [--cfg-options KEY=VALUE ...]``

Each RUN_DIR is one run trained from CONFIG, or a folder of ``seed_*`` runs. Every ``iter_*.pth`` in it
is evaluated (target metric and validators, as :class:`~dareg.engine.validator_loop.ValidatorValLoop`
would have logged them) and the scores go to ``RUN_DIR/checkpoint_scores.json``, which
``tools/analysis/validator_study.py`` reads. ``--source-val`` turns the training source dataset into
the held-out source split that DEV and SourceAccuracy need (default ``split=test``; a generated
source such as the font-rendered digits takes ``seed=1 num_samples=1000``); ``--cfg-options`` gives
the options the runs were trained with where they change the model (a network width). See
:mod:`dareg.analysis.checkpoint_scores`.
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction

from dareg.analysis.checkpoint_scores import score_checkpoints
from dareg.analysis.seeds import expand_run_dirs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validator scores of every checkpoint of finished runs")
    parser.add_argument("config", help="the config the runs were trained with")
    parser.add_argument("run_dirs", nargs="+", help="run work dirs, or folders of seed_* runs")
    parser.add_argument("--validators", nargs="+", default=["IM", "SND", "DEV", "SourceAccuracy"])
    parser.add_argument("--source-val", nargs="+", action=DictAction, help="held-out source split overrides")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="the runs' config overrides")
    args = parser.parse_args(argv)
    validators = [dict(type=name) for name in args.validators]
    for run_dir in expand_run_dirs(args.run_dirs):
        try:
            evaluations = score_checkpoints(args.config, run_dir, validators, args.source_val, args.cfg_options)
        except (FileNotFoundError, KeyError, ValueError) as error:
            raise SystemExit(f"error: {run_dir}: {error}") from error
        print(f"{run_dir}: {len(evaluations)} checkpoints scored")
        for evaluation in evaluations:
            print(
                "  "
                + ", ".join(
                    f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in evaluation.items()
                    if k == "step" or k.startswith("validator/") or k in ("accuracy", "mIoU")
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
