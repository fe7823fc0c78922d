"""Run a config for a few iterations, and check that resuming it continues exactly."""

from __future__ import annotations

import copy
import os
import uuid
from typing import Any

import torch
from mmengine.config import Config


def _tiny(cfg: Config, work_dir: str, iters: int, batch_size: int | None) -> Config:
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.experiment_name = f"smoke_{uuid.uuid4().hex[:8]}"  # runners built in the same second stay apart
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters + 1  # no validation: a smoke run checks training
    for key in ("val_dataloader", "val_cfg", "val_evaluator", "test_dataloader", "test_cfg", "test_evaluator"):
        cfg.pop(key, None)
    if batch_size is not None:
        cfg.train_dataloader.batch_size = batch_size
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.pop("persistent_workers", None)
    hooks = cfg.setdefault("default_hooks", {})
    hooks.setdefault("checkpoint", dict(type="CheckpointHook"))
    hooks.checkpoint.update(interval=1, by_epoch=False, max_keep_ckpts=-1)
    hooks.setdefault("logger", dict(type="LoggerHook"))
    hooks.logger.interval = 1
    cfg.log_level = "WARNING"
    cfg.visualizer = dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend")])
    return cfg


def _weights(path: str) -> dict[str, torch.Tensor]:
    from dareg.utils.checkpoint_files import load_checkpoint_file

    return load_checkpoint_file(path, "cpu")["state_dict"]


def smoke_run(
    config: str | Config,
    work_dir: str | os.PathLike,
    iters: int = 2,
    batch_size: int | None = 2,
    cfg_options: dict | None = None,
    check_resume: bool = True,
) -> dict[str, Any]:
    """Train ``config`` for ``iters`` iterations, then check that resuming is exact.

    Validation is switched off, a checkpoint is written at every iteration, and the batch size is
    made small. With ``check_resume``, a second run resumes from the first run's checkpoint of
    iteration ``iters - 1`` and must end with exactly the weights of the first run (dareg's
    resume is bit-exact on CPU).

    Args:
        config: A config file, a ``dareg::`` name, or a loaded ``Config``.
        work_dir: Folder for both runs (``run``, ``resumed``).
        iters: Iterations of the first run (at least 2 with ``check_resume``).
        batch_size: Overrides the training batch size (None keeps the config's).
        cfg_options: Overrides applied as ``--cfg-options`` would.
        check_resume: Whether to run the resume check.

    Returns:
        ``{"runner": the first run's Runner, "checkpoint": its last checkpoint, "logged": its last
        logged scalars}``.
    """
    from dareg.apis.train import train
    from dareg.utils.config import load_config

    cfg = load_config(str(config), cfg_options) if not isinstance(config, Config) else copy.deepcopy(config)
    if cfg_options and isinstance(config, Config):
        cfg.merge_from_dict(cfg_options)
    work_dir = os.fspath(work_dir)
    first = _tiny(cfg, os.path.join(work_dir, "run"), iters, batch_size)
    runner = train(first)
    last = os.path.join(first.work_dir, f"iter_{iters}.pth")
    assert os.path.isfile(last), f"smoke run of {config}: no checkpoint {last} after {iters} iterations"
    logged = {k: v for k, v in runner.message_hub.log_scalars.items() if k.startswith("train/")}
    values = {k: buffer.current() for k, buffer in logged.items()}
    bad = [k for k, v in values.items() if not torch.isfinite(torch.as_tensor(v)).all()]
    assert not bad, f"smoke run of {config}: non-finite logged values {bad}"
    if check_resume:
        assert iters >= 2, "check_resume needs iters >= 2"
        second = _tiny(cfg, os.path.join(work_dir, "resumed"), iters, batch_size)
        second.resume = True
        second.load_from = os.path.join(first.work_dir, f"iter_{iters - 1}.pth")
        resumed = train(second)
        assert resumed.iter == iters, f"resumed run of {config} ended at iteration {resumed.iter}, not {iters}"
        expected, actual = _weights(last), _weights(os.path.join(second.work_dir, f"iter_{iters}.pth"))
        assert expected.keys() == actual.keys()
        different = [k for k in expected if not torch.equal(expected[k], actual[k])]
        assert not different, (
            f"smoke run of {config}: resuming from iteration {iters - 1} does not reproduce the weights of the "
            f"uninterrupted run at iteration {iters}; first different: {different[:5]}"
        )
    return {"runner": runner, "checkpoint": last, "logged": values}
