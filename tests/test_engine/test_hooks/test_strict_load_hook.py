"""StrictLoadHook: a checkpoint of another config fails to load, listing missing/unexpected keys."""

from __future__ import annotations

import os

import pytest
import torch
from mmengine.config import Config
from torch import nn

from dareg.apis import apply_run_options, train
from dareg.engine.hooks import CheckpointMismatchError
from dareg.engine.hooks.strict_load_hook import compare_state_dicts
from dareg.registry import ALGORITHMS, MODELS

HOOKS = [dict(type="RandomStateHook"), dict(type="StrictLoadHook")]


@pytest.fixture
def variant_toys(toys):
    """A toy algorithm with a wider discriminator and one more sub-module than ``ToyAdversarial``."""

    class ToyVariant(toys.ToyAdversarial):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.discriminator = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
            self.projector = nn.Linear(3, 3)

    ALGORITHMS.register_module(module=ToyVariant, force=True)
    yield toys
    ALGORITHMS._module_dict.pop("ToyVariant", None)
    MODELS._module_dict.pop("ToyVariant", None)


def run(toys, work_dir, model: str, max_iters: int = 2, load_from=None, resume=None, hooks=HOOKS):
    cfg = Config(
        toys.toy_config(
            work_dir,
            model=dict(type=model),
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters),
            custom_hooks=hooks,
            load_from=load_from,
        )
    )
    cfg.default_hooks.checkpoint.interval = 2
    cfg.allow_unoptimized_params = ["projector.*"]  # the variant's extra module exists only to change the keys
    apply_run_options(cfg, "toy.py", work_dir=str(work_dir), resume=resume)
    return train(cfg)


def test_load_from_another_config_lists_missing_keys_and_shape_mismatches(variant_toys, tmp_path):
    run(variant_toys, tmp_path / "a", "ToyAdversarial")
    checkpoint = str(tmp_path / "a" / "iter_2.pth")
    with pytest.raises(CheckpointMismatchError) as info:
        run(variant_toys, tmp_path / "b", "ToyVariant", load_from=checkpoint)
    message = str(info.value)
    assert checkpoint in message
    assert (
        "missing keys (in the model, not in the checkpoint) (2):\n    projector.weight\n    projector.bias" in message
    )
    assert "discriminator.0.weight: checkpoint (8, 3) vs model (16, 3)" in message
    assert "unexpected keys" not in message
    assert not os.path.exists(tmp_path / "b" / "iter_2.pth")  # failed before training


def test_resume_with_another_config_lists_unexpected_keys(variant_toys, tmp_path):
    run(variant_toys, tmp_path, "ToyVariant", max_iters=2)
    with pytest.raises(CheckpointMismatchError) as info:
        run(variant_toys, tmp_path, "ToyAdversarial", max_iters=4, resume="auto")
    message = str(info.value)
    assert str(tmp_path / "iter_2.pth") in message
    assert (
        "unexpected keys (in the checkpoint, not in the model) (2):\n    projector.weight\n    projector.bias"
        in message
    )
    assert "missing keys" not in message


def test_matching_checkpoint_loads_and_ignore_patterns_allow_partial_weights(variant_toys, tmp_path):
    run(variant_toys, tmp_path / "a", "ToyAdversarial")
    resumed = run(variant_toys, tmp_path / "a", "ToyAdversarial", max_iters=4, resume="auto")
    assert resumed.iter == 4
    hooks = [dict(type="RandomStateHook"), dict(type="StrictLoadHook", ignore_missing=["projector.*"])]
    with pytest.raises(CheckpointMismatchError) as info:  # the discriminator's shapes still differ
        run(variant_toys, tmp_path / "b", "ToyVariant", load_from=str(tmp_path / "a" / "iter_2.pth"), hooks=hooks)
    assert "missing keys" not in str(info.value) and "shape mismatches (3)" in str(info.value)


def test_compare_state_dicts_strips_ddp_prefix_and_accepts_lazy_buffers():
    model = {"a.weight": torch.zeros(2, 2), "b": torch.zeros(1), "pool.images": torch.empty(0)}
    saved = {"module.a.weight": torch.zeros(2, 2), "c": 1, "pool.images": torch.zeros(50, 3, 4, 4)}
    assert compare_state_dicts(saved, model) == (["b"], ["c"], [])
    assert compare_state_dicts({"a.weight": torch.zeros(3, 2)}, model, ignore_missing=["b", "pool.*"]) == (
        [],
        [],
        ["a.weight: checkpoint (3, 2) vs model (2, 2)"],
    )
