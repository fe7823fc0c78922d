"""Checkpoints: weights_only loading, exact resume, atomic writes."""

from __future__ import annotations

import os
import shutil

import pytest
import torch
from mmengine.config import Config

from dareg.apis import train
from dareg.utils.checkpoint import atomic_write


@pytest.fixture
def deterministic():
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    yield
    torch.use_deterministic_algorithms(previous)


def state_after(cfg: dict) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in train(Config(cfg)).model.state_dict().items()}


def test_resume_is_bit_identical_to_uninterrupted_run(tmp_path, toys, deterministic):
    full = state_after(toys.toy_config(tmp_path / "full"))
    # an interrupted run: its last checkpoint is iteration 6 of 12
    shutil.copy(tmp_path / "full" / "iter_6.pth", tmp_path / "iter_6.pth")
    resumed_cfg = toys.toy_config(tmp_path / "resumed", resume=True, load_from=str(tmp_path / "iter_6.pth"))
    resumed = state_after(resumed_cfg)
    assert full.keys() == resumed.keys()
    for key in full:
        assert torch.equal(full[key], resumed[key]), key


def test_without_random_state_hook_resume_diverges(tmp_path, toys, deterministic):
    """Control: the toy uses dropout, so the exactness above is the hook's doing, not luck."""
    cfg = toys.toy_config(tmp_path / "full", custom_hooks=[])
    full = state_after(cfg)
    resumed = state_after(
        toys.toy_config(tmp_path / "resumed", custom_hooks=[], resume=True, load_from=str(tmp_path / "full/iter_6.pth"))
    )
    assert any(not torch.equal(full[k], resumed[k]) for k in full)


def test_checkpoints_load_with_weights_only(tmp_path, toys):
    train(Config(toys.toy_config(tmp_path, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6))))
    checkpoint = torch.load(tmp_path / "iter_6.pth", weights_only=True)
    assert {"state_dict", "optimizer", "message_hub", "random_state", "param_schedulers"} <= checkpoint.keys()
    assert set(checkpoint["optimizer"]) == {"classifier", "discriminator"}
    assert (tmp_path / "last_checkpoint").read_text().strip().endswith("iter_6.pth")


def test_auto_resume_continues_from_latest(tmp_path, toys):
    train(Config(toys.toy_config(tmp_path, train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6))))
    runner = train(Config(toys.toy_config(tmp_path, resume=True)))
    assert runner.iter == 12
    assert (tmp_path / "iter_12.pth").exists()


def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "iter_1.pth"
    atomic_write(b"good checkpoint", target)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(b"half", target)
    assert target.read_bytes() == b"good checkpoint"
    assert os.listdir(tmp_path) == ["iter_1.pth"]  # no temporary file left behind


def test_resume_is_exact_when_validation_ran_at_the_checkpoint(tmp_path, toys, deterministic):
    """Validation (and its dataloader) must not consume the training run's random state."""
    val = dict(
        val_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=True),
            collate_fn=dict(type="dareg.domain_collate"),
            dataset=dict(type="ToyDigits", num_samples=8, shift=60, seed=3),
        ),
        val_evaluator=dict(type="Accuracy"),
        val_cfg=dict(type="ValLoop"),
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=12, val_interval=6),
    )
    full = state_after(toys.toy_config(tmp_path / "full", **val))
    resumed = state_after(
        toys.toy_config(tmp_path / "resumed", resume=True, load_from=str(tmp_path / "full/iter_6.pth"), **val)
    )
    for key in full:
        assert torch.equal(full[key], resumed[key]), key
