"""WarmupPolyLR: DAFormer's schedule as mmcv 1.x computes it (poly from iteration 0, linear warm-up on top)."""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from dareg.registry import PARAM_SCHEDULERS

DAFORMER = dict(type="WarmupPolyLR", warmup_iters=1500, warmup_ratio=1e-6, power=1.0, eta_min=0.0, begin=0, end=40000)


def two_groups(lr: float = 6e-5) -> OptimWrapper:
    """An optimizer whose second group has the head's 10x rate."""
    groups = [{"params": nn.Linear(2, 2).parameters()}, {"params": nn.Linear(2, 2).parameters(), "lr": lr * 10}]
    return OptimWrapper(torch.optim.AdamW(groups, lr=lr))


@pytest.fixture(scope="module")
def daformer_run() -> list[list[float]]:
    """Learning rates of both groups during each of 40,001 iterations, stepped as mmengine's loop does."""
    wrapper = two_groups()
    scheduler = PARAM_SCHEDULERS.build(dict(optimizer=wrapper, **DAFORMER))
    seen = []
    wrapper.step()  # the optimizer steps before the scheduler (mmengine checks it on the first step only)
    for _ in range(40001):
        seen.append([group["lr"] for group in wrapper.optimizer.param_groups])
        scheduler.step()
    return seen


def mmcv_poly_with_linear_warmup(base: float, t: int, max_iters: int = 40000) -> float:
    """mmcv 1.x ``LrUpdaterHook`` (``PolyLrUpdaterHook.get_lr`` then ``get_warmup_lr``), written out."""
    regular = base * (1 - t / max_iters) ** 1.0
    if t >= 1500:
        return regular
    k = (1 - t / 1500) * (1 - 1e-6)
    return regular * (1 - k)


def test_values_at_chosen_iterations_by_hand(daformer_run):
    seen = daformer_run
    by_hand = {
        0: 6e-5 * 1e-6,  # poly 1.0, warm-up at its ratio
        750: 6e-5 * (1 - 750 / 40000) * (1e-6 + (1 - 1e-6) * 0.5),  # = 2.94375294e-5
        1500: 6e-5 * (1 - 1500 / 40000),  # warm-up over: 5.775e-5, already decayed by 3.75 %
        20000: 3e-5,
        39999: 6e-5 / 40000,  # the last iteration of a 40k run
        40000: 6e-5 / 40000,  # after `end` the rate stays where it was
    }
    for iteration, lr in by_hand.items():
        assert seen[iteration] == [pytest.approx(lr, rel=1e-9), pytest.approx(10 * lr, rel=1e-9)], iteration
        assert lr == pytest.approx(mmcv_poly_with_linear_warmup(6e-5, min(iteration, 39999)), rel=1e-12)
    scheduler = PARAM_SCHEDULERS.build(dict(optimizer=two_groups(), **DAFORMER))
    assert scheduler.value(6e-5, 40000) == 0.0  # where the decay reaches eta_min, after the run


def test_every_iteration_matches_mmcv(daformer_run):
    seen = torch.tensor(daformer_run[:40000], dtype=torch.float64)
    mmcv = torch.tensor([mmcv_poly_with_linear_warmup(6e-5, t) for t in range(40000)], dtype=torch.float64)
    torch.testing.assert_close(seen, torch.stack([mmcv, 10 * mmcv], dim=1), rtol=1e-9, atol=0)


def test_mmsegmentation_1x_translation_starts_the_decay_after_the_warm_up():
    # LinearLR + PolyLR(begin=1500), the form of mmseg-1.x's SegFormer configs, is not the reference's
    cfg = [
        dict(type="LinearLR", start_factor=1e-6, by_epoch=False, begin=0, end=1500),
        dict(type="PolyLR", power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=40000),
    ]
    wrapper = OptimWrapper(torch.optim.AdamW(nn.Linear(2, 2).parameters(), lr=6e-5))
    schedulers = [PARAM_SCHEDULERS.build(dict(optimizer=wrapper, **c)) for c in cfg]
    seen = {}
    wrapper.step()
    for iteration in range(20001):
        seen[iteration] = wrapper.optimizer.param_groups[0]["lr"]
        for scheduler in schedulers:
            scheduler.step()
    assert seen[1500] == pytest.approx(6e-5)  # reference: 0.9625 of it
    assert seen[20000] == pytest.approx(6e-5 * (1 - 18500 / 38499))  # 0.519 of it; reference: 0.5


def test_resumed_schedule_continues_exactly():
    first = two_groups()
    scheduler = PARAM_SCHEDULERS.build(dict(optimizer=first, **DAFORMER))
    for _ in range(1000):
        first.step()
        scheduler.step()
    second = two_groups()
    second.load_state_dict(first.state_dict())
    resumed = PARAM_SCHEDULERS.build(dict(optimizer=second, **DAFORMER))
    resumed.load_state_dict(scheduler.state_dict())
    for schedule, wrapper in ((scheduler, first), (resumed, second)):
        wrapper.step()
        schedule.step()
    assert [g["lr"] for g in second.optimizer.param_groups] == [g["lr"] for g in first.optimizer.param_groups]
    assert second.optimizer.param_groups[0]["lr"] == pytest.approx(mmcv_poly_with_linear_warmup(6e-5, 1001))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="finite `end`"):
        PARAM_SCHEDULERS.build(dict(DAFORMER, optimizer=two_groups(), end=float("inf")))
    with pytest.raises(ValueError, match=r"warmup_iters must be in \[0, end - begin\) = \[0, 1000\)"):
        PARAM_SCHEDULERS.build(dict(DAFORMER, optimizer=two_groups(), end=1000))
    with pytest.raises(ValueError, match="warmup_ratio"):
        PARAM_SCHEDULERS.build(dict(DAFORMER, optimizer=two_groups(), warmup_ratio=0.0))
