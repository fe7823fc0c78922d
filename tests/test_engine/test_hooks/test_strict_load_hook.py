"""StrictLoadHook: a checkpoint of another config fails to load, listing missing/unexpected keys."""

from __future__ import annotations

import os

import pytest
import torch
from fixtures.self_training import register_self_training, tiny_self_training_config, unregister_self_training
from fixtures.tiny_segmentation import tiny_segmentation_config
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


# --- self-training warm starts: the teacher's keys are not a mismatch -----------------------------------
@pytest.fixture
def self_training():
    register_self_training()
    yield
    unregister_self_training()


def tiny_run(cfg: dict, load_from=None, resume=False, max_iters: int = 1):
    cfg = Config(cfg)
    cfg.update(load_from=load_from, resume=resume, custom_hooks=HOOKS, log_level="INFO")
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters + 1)
    cfg.default_hooks.checkpoint.interval = 1
    return train(cfg)


def test_source_only_warm_start_names_the_teacher_keys_and_copies_the_loaded_student(self_training, tmp_path, capsys):
    tiny_run(tiny_segmentation_config(tmp_path / "source", experiment_name="source"), max_iters=2)
    source_only = str(tmp_path / "source" / "iter_2.pth")
    loaded = torch.load(source_only, weights_only=False)["state_dict"]
    tiny_run(tiny_self_training_config(tmp_path / "adapt", experiment_name="adapt"), load_from=source_only)
    logged = capsys.readouterr().out
    assert (
        f"load_from: the checkpoint {source_only} has no weights for 'teacher' (6 keys), which train_spec declares as "
        "moved by EMA from 'task_model'; 6 of them start as the checkpoint's 'task_model', and the first training "
        "iteration copies 'teacher' from 'task_model'." in logged
    )
    adapted = torch.load(tmp_path / "adapt" / "iter_1.pth", weights_only=False)["state_dict"]
    for key in ("backbone.stem.0.weight", "backbone.stem.0.bias", "head.weight", "head.bias"):
        # iteration 0 copied the student after load_from; the student then took its first step
        assert torch.equal(adapted[f"teacher.network.{key}"], loaded[f"task_model.{key}"]), key
        assert not torch.equal(adapted[f"task_model.{key}"], loaded[f"task_model.{key}"]), key


def test_real_mismatches_are_listed_apart_from_the_teacher_and_resume_needs_the_teacher(self_training, tmp_path):
    tiny_run(tiny_segmentation_config(tmp_path / "source", experiment_name="source"))
    partial = {k: v for k, v in torch.load(tmp_path / "source" / "iter_1.pth", weights_only=False)["state_dict"].items()
               if not k.startswith("task_model.head.")}
    torch.save({"state_dict": partial, "meta": {}}, tmp_path / "partial.pth")
    with pytest.raises(CheckpointMismatchError) as info:
        tiny_run(tiny_self_training_config(tmp_path / "a", experiment_name="a"), str(tmp_path / "partial.pth"))
    message = str(info.value)
    missing = "missing keys (in the model, not in the checkpoint)"
    assert f"{missing} (2):\n    task_model.head.weight\n    task_model.head.bias" in message
    assert (
        "keys of EMA modules, not a mismatch (the first training iteration copies them from the student) (2):\n"
        "    teacher.network.head.weight\n    teacher.network.head.bias" in message
    )
    # --resume continues the teacher from the checkpoint: a checkpoint without it is a mismatch
    with pytest.raises(CheckpointMismatchError) as info:
        tiny_run(
            tiny_self_training_config(tmp_path / "b", experiment_name="b"),
            load_from=str(tmp_path / "source" / "iter_1.pth"),
            resume=True,
            max_iters=2,
        )
    assert f"{missing} (6):\n    teacher.network.backbone.stem.0.weight" in str(info.value)
