"""pin_memory / persistent_workers: the real-data configs ask for them, build_runner drops what cannot apply."""

from __future__ import annotations

import importlib

import pytest
from mmengine.config import Config

from dareg.utils.dataloader_options import fit_dataloader_options

REAL_DATA_BASES = [
    "configs/_base_/datasets/gta2cityscapes.py",
    "configs/_base_/datasets/office31.py",
    "configs/_base_/datasets/officehome.py",
    "configs/_base_/datasets/visda2017.py",
    "configs/_base_/datasets/domainnet.py",
]
EMBEDDED_BASES = [
    "configs/_base_/datasets/synthetic_streets.py",
    "configs/_base_/datasets/digits_embedded.py",
    "configs/_base_/datasets/digits_synth2real.py",
]


@pytest.mark.parametrize("path", REAL_DATA_BASES)
def test_real_data_loaders_pin_memory_and_keep_their_workers(path):
    cfg = Config.fromfile(path)
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        loader = cfg[key]
        assert loader.num_workers > 0 and loader.pin_memory is True and loader.persistent_workers is True, key


@pytest.mark.parametrize("path", EMBEDDED_BASES)
def test_embedded_demo_loaders_stay_in_process(path):
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.num_workers == 0 and not cfg.train_dataloader.get("pin_memory")


def test_options_that_cannot_apply_are_dropped():
    cfg = Config.fromfile("configs/_base_/datasets/gta2cityscapes.py")
    cfg.train_dataloader.num_workers = 0  # --cfg-options train_dataloader.num_workers=0
    assert fit_dataloader_options(cfg, accelerator=True) == ["train_dataloader.persistent_workers"]
    assert cfg.train_dataloader.persistent_workers is False and cfg.train_dataloader.pin_memory is True
    assert cfg.val_dataloader.persistent_workers is True
    dropped = fit_dataloader_options(cfg, accelerator=False)
    assert dropped == ["train_dataloader.pin_memory", "val_dataloader.pin_memory", "test_dataloader.pin_memory"]
    assert fit_dataloader_options(dict(train_dataloader=None, val_dataloader=dict(num_workers=2))) == []


def test_build_runner_fits_the_options(monkeypatch):
    train_api = importlib.import_module("dareg.apis.train")  # dareg.apis.train is also the function
    seen = {}

    def fake_runner(cfg):
        seen.update(cfg.train_dataloader)
        return "runner"

    monkeypatch.setattr(train_api.Runner, "from_cfg", staticmethod(fake_runner))
    for check in ("check_config_types", "check_arguments_and_spans", "check_work_dir", "resolve_resume"):
        monkeypatch.setattr(train_api, check, lambda cfg: None)
    cfg = Config(dict(train_dataloader=dict(num_workers=0, persistent_workers=True), default_hooks={}))
    assert train_api.build_runner(cfg) == "runner"
    assert seen["persistent_workers"] is False
