"""LinearDecayLR: CycleGAN's constant-then-linear-to-zero schedule, at its key iterations."""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import OptimWrapper

from dareg.registry import PARAM_SCHEDULERS


def lrs(steps: int, **cfg) -> list[float]:
    optimizer = torch.optim.Adam(torch.nn.Linear(2, 2).parameters(), lr=2e-4)
    wrapper = OptimWrapper(optimizer)
    scheduler = PARAM_SCHEDULERS.build(dict(type="LinearDecayLR", optimizer=wrapper, **cfg))
    values = []
    for _ in range(steps):
        values.append(optimizer.param_groups[0]["lr"])  # the lr iteration i trains with
        wrapper.step()
        scheduler.step()
    return values


def test_constant_then_linear_to_zero_by_iteration():
    values = lrs(12, constant_steps=4, begin=0, end=10, by_epoch=False)
    # the reference's rule with n_epochs=4, n_epochs_decay=6: 1 - max(0, t + 1 - 4) / 7
    assert values[:4] == pytest.approx([2e-4] * 4)
    assert values[4:10] == pytest.approx([2e-4 * (1 - k / 7) for k in range(1, 7)])
    assert values[9] == pytest.approx(2e-4 / 7)  # the last iteration: 1 / (n_epochs_decay + 1)
    assert values[10:] == pytest.approx([2e-4 / 7] * 2)  # after `end` the scheduler no longer changes it


def test_epoch_config_converts_to_iterations():
    optimizer = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=1.0)
    scheduler = PARAM_SCHEDULERS.get("LinearDecayLR").build_iter_from_epoch(
        optimizer, constant_steps=100, begin=0, end=200, by_epoch=True, epoch_length=3
    )
    assert (scheduler.constant_steps, scheduler.end, scheduler.by_epoch) == (300, 600, False)
    assert scheduler.factor(299) == 1.0 and scheduler.factor(449) == pytest.approx(1 - 150 / 301)


def test_eta_min_and_errors():
    assert lrs(3, constant_steps=0, end=2, eta_min=1e-4, by_epoch=False) == pytest.approx(
        [1e-4 + 1e-4 * 2 / 3, 1e-4 + 1e-4 / 3, 1e-4 + 1e-4 / 3]
    )
    with pytest.raises(ValueError, match="finite `end`"):
        lrs(1, constant_steps=1, by_epoch=False)
    with pytest.raises(ValueError, match="constant_steps.*set `end` and `constant_steps` with it"):
        lrs(1, constant_steps=10, end=10, by_epoch=False)
