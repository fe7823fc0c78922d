"""smoke_run on a self-training config: the EMA teacher resumes bit for bit with every other tensor."""

from __future__ import annotations

import pytest
import torch
from fixtures.self_training import register_self_training, tiny_self_training_config, unregister_self_training
from mmengine.config import Config

from dareg.testing import smoke_run


@pytest.fixture
def self_training():
    register_self_training()
    yield
    unregister_self_training()


def weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=False)["state_dict"]


def test_resume_with_the_teacher_is_exact(self_training, tmp_path):
    result = smoke_run(Config(tiny_self_training_config(tmp_path / "unused")), tmp_path, iters=3)
    assert {"train/loss_pseudo", "train/loss_source", "train/pseudo_quality"} <= set(result["logged"])
    run = tmp_path / "run"
    second, third = weights(run / "iter_2.pth"), weights(run / "iter_3.pth")
    teacher_keys = [key for key in third if key.startswith("teacher.network.")]
    assert len(teacher_keys) == 6  # saved in every checkpoint; smoke_run compared them bit for bit after resuming
    for key in teacher_keys:
        student_key = "task_model." + key[len("teacher.network.") :]
        assert not torch.equal(second[key], third[key]), f"{key} did not move in iteration 3"
        assert not torch.equal(third[key], third[student_key]), f"{key} equals the student"
