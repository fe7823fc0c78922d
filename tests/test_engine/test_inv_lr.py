"""InvLR: lr = lr0 * (1 + gamma * i) ^ -power per parameter group, per optimizer of a multi-optimizer config."""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from dareg.registry import PARAM_SCHEDULERS


class TwoPart(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.classifier = nn.ModuleDict(dict(backbone=nn.Linear(2, 2), head=nn.Linear(2, 2)))
        self.discriminator = nn.Linear(2, 1)


def run(scheduler_cfg: dict, wrapper: OptimWrapper, steps: int) -> list[list[float]]:
    scheduler = PARAM_SCHEDULERS.build(dict(optimizer=wrapper, **scheduler_cfg))
    values = []
    for _ in range(steps):
        values.append([group["lr"] for group in wrapper.optimizer.param_groups])
        wrapper.step()
        scheduler.step()
    return values


def test_values_at_chosen_iterations():
    wrapper = OptimWrapper(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.01))
    values = [v[0] for v in run(dict(type="InvLR", gamma=0.001, power=0.75), wrapper, 1001)]
    assert values[0] == pytest.approx(0.01)
    assert values[1] == pytest.approx(0.01 * 1.001**-0.75)
    assert values[1000] == pytest.approx(0.01 * 2**-0.75)  # 0.005946


def test_backbone_multiplier_kept_per_group_and_schedule_per_optimizer():
    model = TwoPart()
    sgd = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-3, nesterov=True)
    wrappers = MultiOptimWrapperConstructor(
        dict(
            classifier=dict(optimizer=sgd, paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=0.1)})),
            discriminator=dict(optimizer=dict(sgd, lr=0.02)),
        )
    )(model)
    classifier = run(dict(type="InvLR", gamma=0.001, power=0.75), wrappers["classifier"], 501)
    discriminator = run(dict(type="InvLR", gamma=0.01, power=0.5), wrappers["discriminator"], 501)
    factor = 1.5**-0.75
    groups = wrappers["classifier"].optimizer.param_groups

    def lr_at_500(param: nn.Parameter) -> float:
        (index,) = [i for i, group in enumerate(groups) if any(p is param for p in group["params"])]
        return classifier[500][index]

    assert lr_at_500(model.classifier.backbone.weight) == pytest.approx(0.001 * factor)  # 0.1x backbone
    assert lr_at_500(model.classifier.head.weight) == pytest.approx(0.01 * factor)
    assert discriminator[500] == [pytest.approx(0.02 * 6**-0.5)]


def test_resumed_schedule_continues_exactly():
    first = OptimWrapper(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.01))
    scheduler = PARAM_SCHEDULERS.build(dict(type="InvLR", optimizer=first, gamma=0.01))
    for _ in range(30):
        first.step()
        scheduler.step()
    second = OptimWrapper(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.01))
    second.load_state_dict(first.state_dict())
    resumed = PARAM_SCHEDULERS.build(dict(type="InvLR", optimizer=second, gamma=0.01))
    resumed.load_state_dict(scheduler.state_dict())
    scheduler.step()
    resumed.step()
    assert second.optimizer.param_groups[0]["lr"] == pytest.approx(first.optimizer.param_groups[0]["lr"])
    assert second.optimizer.param_groups[0]["lr"] == pytest.approx(0.01 * 1.31**-0.75)


def test_negative_gamma_is_rejected():
    wrapper = OptimWrapper(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.01))
    with pytest.raises(ValueError, match="gamma and power must be >= 0"):
        PARAM_SCHEDULERS.build(dict(type="InvLR", optimizer=wrapper, gamma=-1.0))
