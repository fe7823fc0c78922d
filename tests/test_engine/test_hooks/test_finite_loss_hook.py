"""FiniteLossHook: a NaN/inf loss or weight stops the run, and the last good checkpoint stays the latest."""

from __future__ import annotations

import os

import pytest
import torch
from mmengine.config import Config

from dareg.apis import train
from dareg.engine.hooks import FiniteLossHook, NonFiniteLossError
from dareg.engine.hooks.finite_loss_hook import all_finite
from dareg.registry import ALGORITHMS, MODELS


@pytest.fixture
def failing_toys(toys):
    """Toy algorithms that break at a chosen (1-based) iteration."""

    class ToyNanLoss(toys.ToyAdversarial):
        def __init__(self, break_at: int = 3, **kwargs) -> None:
            super().__init__(**kwargs)
            self.break_at = break_at

        def train_step(self, data, optim_wrapper):
            outputs = super().train_step(data, optim_wrapper)
            if self.current_iter + 1 >= self.break_at:
                outputs["loss_adv"] = torch.tensor(float("nan"))
            return outputs

    class ToyNanWeights(ToyNanLoss):
        def train_step(self, data, optim_wrapper):
            outputs = toys.ToyAdversarial.train_step(self, data, optim_wrapper)  # finite losses
            if self.current_iter + 1 == self.break_at:
                with torch.no_grad():
                    self.discriminator[0].weight.fill_(float("inf"))
            return outputs

    for cls in (ToyNanLoss, ToyNanWeights):
        ALGORITHMS.register_module(module=cls, force=True)
    yield toys
    for cls in (ToyNanLoss, ToyNanWeights):
        ALGORITHMS._module_dict.pop(cls.__name__, None)
        MODELS._module_dict.pop(cls.__name__, None)


def run(toys, work_dir, model: dict, hooks: list[dict]):
    cfg = Config(
        toys.toy_config(
            work_dir,
            model=model,
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6),
            custom_hooks=[dict(type="RandomStateHook"), *hooks],
        )
    )
    cfg.default_hooks.checkpoint.interval = 2
    return train(cfg)


def checkpoints(work_dir) -> list[str]:
    return sorted(name for name in os.listdir(work_dir) if name.endswith(".pth"))


def last_checkpoint(work_dir) -> str:
    with open(os.path.join(work_dir, "last_checkpoint")) as handle:
        return os.path.basename(handle.read().strip())


def test_nan_loss_stops_the_run_naming_loss_and_iteration(failing_toys, tmp_path):
    with pytest.raises(NonFiniteLossError, match=r"loss_adv=nan at iteration 3 \(of 6\)") as info:
        run(failing_toys, tmp_path, dict(type="ToyNanLoss", break_at=3), [dict(type="FiniteLossHook")])
    assert "iter_2.pth" in str(info.value)  # names the checkpoint to resume from
    assert checkpoints(tmp_path) == ["iter_2.pth"]
    assert last_checkpoint(tmp_path) == "iter_2.pth"


def test_without_the_hook_the_nan_state_is_checkpointed(failing_toys, tmp_path):
    """What the hook prevents: mmengine alone trains on and moves last_checkpoint to the NaN state."""
    run(failing_toys, tmp_path, dict(type="ToyNanLoss", break_at=3), [])
    assert last_checkpoint(tmp_path) == "iter_6.pth"


def test_nan_at_a_checkpoint_iteration_is_not_saved(failing_toys, tmp_path):
    with pytest.raises(NonFiniteLossError, match="at iteration 4"):
        run(failing_toys, tmp_path, dict(type="ToyNanLoss", break_at=4), [dict(type="FiniteLossHook")])
    assert checkpoints(tmp_path) == ["iter_2.pth"]
    assert last_checkpoint(tmp_path) == "iter_2.pth"


def test_non_finite_weights_are_never_saved(failing_toys, tmp_path):
    with pytest.raises(NonFiniteLossError, match=r"weight tensors .*discriminator\.0\.weight") as info:
        run(failing_toys, tmp_path, dict(type="ToyNanWeights", break_at=4), [dict(type="FiniteLossHook")])
    assert "after iteration 4" in str(info.value)
    assert checkpoints(tmp_path) == ["iter_2.pth"]
    assert last_checkpoint(tmp_path) == "iter_2.pth"
    saved = torch.load(os.path.join(tmp_path, "iter_2.pth"), map_location="cpu", weights_only=True)
    assert all(torch.isfinite(v).all() for v in saved["state_dict"].values() if v.is_floating_point())


def test_only_losses_are_checked():
    hook = FiniteLossHook()

    class Runner:
        iter, max_iters, work_dir = 0, 1, "."

    hook.after_train_iter(Runner(), 0, outputs={"acc_d": torch.tensor(float("nan")), "loss_g": torch.tensor(1.0)})
    with pytest.raises(NonFiniteLossError, match="loss_g=inf at iteration 1"):
        hook.after_train_iter(Runner(), 0, outputs={"loss_g": torch.tensor(float("inf"))})


@pytest.mark.parametrize(
    ("values", "finite"),
    [
        ({"loss": torch.tensor(1.0), "loss_b": 2.0}, True),
        ({"loss": torch.tensor(float("nan"))}, False),
        ({"loss": torch.tensor([float("-inf")], dtype=torch.bfloat16)}, False),  # one element, not 0-dim
        ({"loss": torch.tensor([1.0, 2.0, float("nan")])}, False),  # a per-level vector, tested as a tensor
        ({"loss": torch.tensor([1.0, 2.0]), "loss_b": torch.tensor(3.0)}, True),
        ({"loss": float("inf")}, False),
        ({"loss": torch.tensor(7), "loss_b": torch.empty(0)}, True),  # integers and empty tensors: nothing to test
    ],
)
def test_all_finite(values, finite):
    assert all_finite(values) is finite
