"""Evaluating a trained checkpoint with mmengine's test loop (what ``tools/test.py`` and ``dareg test`` call)."""

from __future__ import annotations

import copy
import os

from mmengine.config import Config

from dareg.apis.train import apply_run_options, build_runner
from dareg.utils.config import load_config


def evaluate_checkpoint(
    config: str,
    checkpoint: str | None,
    work_dir: str | None = None,
    show_dir: str | None = None,
    cfg_options: dict | None = None,
    launcher: str = "none",
) -> dict:
    """Evaluate ``checkpoint`` on the test set of ``config`` (its validation set if it has none).

    The one code path of ``tools/test.py CONFIG CHECKPOINT`` and ``dareg test CONFIG CHECKPOINT``:
    :func:`~dareg.utils.config.load_config`, :func:`~dareg.apis.train.apply_run_options`,
    :func:`apply_test_options`, :func:`run_test`.

    Args:
        config: A config file or an installed config's name (``dareg::demo/x.py``, ``pkg::x.py``).
        checkpoint: Checkpoint file to evaluate, or None to test the config's initial weights.
        work_dir: Folder for the logs. Defaults to None (``./work_dirs/<config name>``).
        show_dir: Folder for colourised predictions, relative paths under the work directory.
            Defaults to None (none saved).
        cfg_options: Overrides, as ``--cfg-options`` gives them. Defaults to None.
        launcher: ``"none"``, ``"pytorch"`` or ``"slurm"``. Defaults to ``"none"``.

    Returns:
        The metrics of the test loop (``{"mIoU": ..., "aAcc": ..., ...}``).

    Raises:
        FileNotFoundError: The config or the checkpoint does not exist.
    """
    cfg = load_config(config, cfg_options)
    apply_run_options(cfg, config, work_dir, launcher=launcher)
    apply_test_options(cfg, checkpoint, show_dir)
    return run_test(cfg)


def apply_test_options(cfg: Config, checkpoint: str | None, show_dir: str | None = None) -> Config:
    """Prepare ``cfg`` for testing ``checkpoint``, as mmseg's ``tools/test.py`` does.

    The checkpoint becomes ``load_from`` (no resume); a config without ``test_*`` keys is tested
    on its validation set, by the networks its ``val_cfg`` evaluates (a ``NetworksValLoop``
    becomes a ``NetworksTestLoop`` with the same ``networks`` and ``select``); ``show_dir`` adds a
    :class:`~dareg.engine.hooks.seg_prediction_saver_hook.SegPredictionSaverHook` writing one
    colourised prediction per test image.

    Args:
        cfg: The loaded config (after :func:`~dareg.apis.train.apply_run_options`).
        checkpoint: Checkpoint file to evaluate, or None to test the config's initial weights.
        show_dir: Folder for colourised predictions; relative paths are under ``cfg.work_dir``.
            Defaults to None.
    """
    if checkpoint is not None:
        if not os.path.isfile(checkpoint):
            raise FileNotFoundError(f"Checkpoint file not found: {checkpoint}")
        cfg.load_from = checkpoint
    cfg.resume = False
    for key, required in (("dataloader", "dataset"), ("evaluator", "type")):
        test = cfg.get(f"test_{key}")
        if test is None or (isinstance(test, dict) and required not in test):
            if cfg.get(f"val_{key}") is None:
                raise KeyError(
                    f"The config {getattr(cfg, 'filename', '')} has neither test_{key} nor val_{key}: "
                    "add a labelled target dataset and a metric to test on."
                )
            # partial test_* keys (e.g. from --cfg-options) override the val_* settings they complete
            cfg[f"test_{key}"] = _merged(cfg[f"val_{key}"], test or {})
    if cfg.get("test_cfg") is None:
        val_cfg = dict(cfg.get("val_cfg") or {})
        if val_cfg.get("type") == "NetworksValLoop":
            cfg.test_cfg = dict(val_cfg, type="NetworksTestLoop")
        else:
            cfg.test_cfg = dict(type="TestLoop")
    if show_dir:
        out_dir = show_dir if os.path.isabs(show_dir) else os.path.join(cfg.work_dir, show_dir)
        hooks = list(cfg.get("custom_hooks") or [])
        hooks.append(dict(type="SegPredictionSaverHook", out_dir=out_dir))
        cfg.custom_hooks = hooks
    return cfg


def _merged(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(dict(base))
    for name, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _merged(merged[name], value)
        else:
            merged[name] = copy.deepcopy(value)
    return merged


def run_test(cfg: Config) -> dict:
    """Build a runner from ``cfg`` and run its test loop; returns the metrics."""
    runner = build_runner(cfg)
    return runner.test()
