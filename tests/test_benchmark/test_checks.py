"""TrainingChecksHook: non-finite losses, optimizers that never stepped and weights that did not move are caught."""

from __future__ import annotations

import math
from types import SimpleNamespace

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from dareg.benchmark.checks import TrainingChecksHook


def fake_runner(lr_b: float) -> SimpleNamespace:
    torch.manual_seed(0)
    a, b, idle = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)
    wrappers = OptimWrapperDict(
        a=OptimWrapper(torch.optim.SGD(a.parameters(), lr=0.1)),
        b=OptimWrapper(torch.optim.SGD(b.parameters(), lr=lr_b)),
        idle=OptimWrapper(torch.optim.SGD(idle.parameters(), lr=0.1)),  # a phase that never comes
    )
    return SimpleNamespace(optim_wrapper=wrappers, nets=(a, b))


def train(runner: SimpleNamespace, hook: TrainingChecksHook, losses: list[dict[str, float]]) -> None:
    hook.before_train(runner)
    for index, logged in enumerate(losses):
        for name, net in zip(("a", "b"), runner.nets):
            runner.optim_wrapper[name].update_params(net(torch.ones(4, 3)).square().mean())
        hook.after_train_iter(runner, index, outputs={k: torch.tensor(v) for k, v in logged.items()})
    hook.after_train(runner)


def test_healthy_run_passes_and_counts_steps():
    hook = TrainingChecksHook()
    train(fake_runner(lr_b=0.1), hook, [{"loss": 1.0}, {"loss": 0.5}])
    result = hook.result
    assert result["passed"] and result["losses_finite"] and result["weights_moved"]
    assert result["steps"] == {"a": 2, "b": 2, "idle": 0}  # idle never stepped: not a failure here
    assert result["moved"]["a"] == result["moved"]["b"] == 1.0 and result["moved"]["idle"] == 0.0
    assert result["iterations"] == 2


def test_nonfinite_loss_and_frozen_weights_fail_with_their_names():
    hook = TrainingChecksHook()
    train(fake_runner(lr_b=0.0), hook, [{"loss": 1.0, "loss_d": 1.0}, {"loss": math.nan, "loss_d": math.inf}])
    result = hook.result
    assert not result["passed"] and not result["losses_finite"] and not result["weights_moved"]
    assert result["nonfinite"] == {"loss": 1, "loss_d": 1}  # name -> first iteration
    assert result["steps"]["b"] == 2 and result["moved"]["b"] == 0.0  # stepped with lr 0: nothing changed


def test_step_hooks_are_removed_after_training():
    runner, hook = fake_runner(lr_b=0.1), TrainingChecksHook()
    train(runner, hook, [{"loss": 1.0}])
    runner.optim_wrapper["a"].update_params(runner.nets[0](torch.ones(1, 3)).sum())
    assert hook.steps["a"] == 1
