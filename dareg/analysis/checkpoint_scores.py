"""Unsupervised validators and the target metric for every checkpoint a finished run kept.

A run trained with mmengine's plain ``ValLoop`` logged only the target metric; to ask afterwards how
well an unsupervised validator would have chosen among its checkpoints, :func:`score_checkpoints`
loads each ``iter_*.pth`` of the run into the config's model and runs
:class:`~dareg.engine.validator_loop.ValidatorValLoop` on it: the same code, splits and validators a
run that had them in its ``val_cfg`` would have logged, without retraining. The scores are written
to ``checkpoint_scores.json`` in the run directory, one evaluation per checkpoint
(``{"step": iteration, "accuracy": ..., "validator/IM": ...}``);
``tools/analysis/validator_study.py`` prefers it to the training log, so it reads both kinds of run
alike.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mmengine.config import Config

#: File written beside the checkpoints.
SCORES_FILE = "checkpoint_scores.json"

#: Validators scored by default: the four of the demo configs.
DEFAULT_VALIDATORS = (dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy"))

_ITER = re.compile(r"iter_(\d+)\.pth$")


def run_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """``(iteration, path)`` of every ``iter_*.pth`` in ``run_dir``, by iteration.

    Raises:
        FileNotFoundError: ``run_dir`` holds no ``iter_*.pth``.
    """
    found = sorted(
        (int(match.group(1)), path) for path in Path(run_dir).glob("iter_*.pth") if (match := _ITER.search(path.name))
    )
    if not found:
        raise FileNotFoundError(
            f"{run_dir}: no iter_*.pth checkpoints; train with default_hooks.checkpoint.interval equal to "
            "val_interval (and max_keep_ckpts unset) to keep one per validation"
        )
    return found


def validator_config(cfg: Any, validators: Sequence[dict] = DEFAULT_VALIDATORS, source_val: dict | None = None) -> dict:
    """``val_cfg`` that scores ``cfg``'s model with ``validators``: a :class:`ValidatorValLoop`.

    A config that validates several networks (``NetworksValLoop``) gets a ``NetworksValLoop`` of the
    same networks and selection, with the validators; its bare scores are the selected network's.

    Args:
        cfg: The run's config.
        validators: Validator configs. Defaults to :data:`DEFAULT_VALIDATORS`.
        source_val: Overrides that turn the training source dataset into a held-out source split
            (``dict(split="test")``, or ``dict(seed=1, num_samples=1000)`` for a generated source).
            Defaults to the config's own ``val_cfg.splits.source_val`` when it has one, else
            ``dict(split="test")``.
    """
    splits = copy.deepcopy(dict(cfg.get("val_cfg", {}).get("splits") or {}))
    if source_val is not None or "source_val" not in splits:
        splits["source_val"] = dict(like="train_dataloader.dataset.source", **(source_val or dict(split="test")))
    val_cfg = dict(type="ValidatorValLoop", validators=[dict(v) for v in validators], splits=splits)
    own = cfg.get("val_cfg") or {}
    if own.get("type") == "NetworksValLoop":
        val_cfg.update(type="NetworksValLoop", **{k: own[k] for k in ("networks", "select") if k in own})
    return val_cfg


def score_checkpoints(
    config: str | Path | Config,
    run_dir: str | Path,
    validators: Sequence[dict] = DEFAULT_VALIDATORS,
    source_val: dict | None = None,
    cfg_options: dict[str, Any] | None = None,
    write: bool = True,
) -> list[dict[str, Any]]:
    """Target metric and validator scores of every checkpoint in ``run_dir``.

    Args:
        config: The config (file or object) the run was trained with; only its model, datasets and
            evaluator are used, so the run's training options do not matter here.
        run_dir: The run's work directory.
        validators: Validator configs. Defaults to :data:`DEFAULT_VALIDATORS`.
        source_val: See :func:`validator_config`.
        cfg_options: Overrides of a config file, as ``--cfg-options`` gives them (the run's model
            options, e.g. a discriminator width the file no longer has). Defaults to None.
        write: Also write :data:`SCORES_FILE` into ``run_dir``. Defaults to True.

    Returns:
        One dict per checkpoint, ``step`` first, ordered by iteration.
    """
    import torch
    from mmengine.runner import load_checkpoint

    from dareg.apis.train import build_runner
    from dareg.utils.config import load_config

    checkpoints = run_checkpoints(run_dir)
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
        if cfg_options:
            cfg.merge_from_dict(dict(cfg_options))
    else:
        cfg = load_config(str(config), dict(cfg_options or {}))
    cfg.val_cfg = validator_config(cfg, validators, source_val)
    evaluations = []
    with tempfile.TemporaryDirectory(prefix="dareg_scores_") as scratch:
        cfg.work_dir = scratch
        cfg.load_from, cfg.resume = None, False
        cfg.log_level = "WARNING"  # the runner's set-up and per-checkpoint logs; the caller prints the scores
        cfg.visualizer = dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend")])
        runner = build_runner(cfg)
        for iteration, path in checkpoints:
            load_checkpoint(runner.model, str(path), map_location="cpu", strict=True)
            with torch.no_grad():
                metrics = runner.val_loop.run()
            evaluations.append({"step": iteration, **{key: float(value) for key, value in metrics.items()}})
        runner.logger.handlers.clear()
    if write:
        target = Path(run_dir) / SCORES_FILE
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(evaluations, indent=1))
        os.replace(tmp, target)
    return evaluations


def read_checkpoint_scores(run_dir: str | Path) -> list[dict[str, Any]] | None:
    """The evaluations :func:`score_checkpoints` wrote into ``run_dir``, or None when it has none."""
    path = Path(run_dir) / SCORES_FILE
    if not path.is_file():
        return None
    try:
        evaluations = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); delete it and score the checkpoints again") from error
    if not isinstance(evaluations, list) or not all(isinstance(e, dict) and "step" in e for e in evaluations):
        raise ValueError(f"{path}: expected a list of evaluations with a 'step' each; delete it and score again")
    return evaluations
