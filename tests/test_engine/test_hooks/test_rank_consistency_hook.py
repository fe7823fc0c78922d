"""RankConsistencyHook: a checksum compare across ranks, on by default in distributed runs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from fixtures.distributed import on_two_ranks
from mmengine.config import Config
from torch import nn

from dareg.apis.train import drop_disabled_default_hooks
from dareg.engine.hooks import RankConsistencyHook, RankDivergenceError
from dareg.engine.hooks import rank_consistency_hook as module
from dareg.engine.model_wrappers import RANK_CONSISTENCY_INTERVAL, configure_distributed
from dareg.utils.config import load_config


def _check_after_rank1_changes(rank: int, changed_tensor: str | None) -> str:
    """One rank: identical weights pass; then rank 1 changes one tensor and both ranks must raise."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    hook = RankConsistencyHook()
    hook.check(model, iteration=1)
    if changed_tensor is not None and rank == 1:
        with torch.no_grad():
            model.state_dict(keep_vars=True)[changed_tensor].view(-1)[0] += 1e-6
    try:
        hook.check(model, iteration=2)
    except RankDivergenceError as error:
        return str(error)
    return "no error"


def test_a_changed_tensor_on_one_rank_stops_every_rank_naming_it():
    results = on_two_ranks(_check_after_rank1_changes, "2.weight")
    for rank in (0, 1):
        assert results[rank].startswith("After iteration 2, rank 1 holds different weights than rank 0 in 1 tensors")
        assert "(first: ['2.weight']; checked on rank" in results[rank]
    assert on_two_ranks(_check_after_rank1_changes, None) == {0: "no error", 1: "no error"}


def test_checks_after_the_first_iteration_and_every_interval(monkeypatch):
    checked = []
    monkeypatch.setattr(module, "is_distributed", lambda: True)
    hook = RankConsistencyHook(interval=100)
    monkeypatch.setattr(hook, "check", lambda model, iteration: checked.append(iteration))
    runner = SimpleNamespace(iter=0, model=None)
    hook.before_train(runner)
    for iteration in range(250):
        runner.iter = iteration
        hook.after_train_iter(runner, iteration)
    assert checked == [1, 100, 200]
    runner.iter, checked[:] = 1000, []  # a resumed run checks after its first iteration too
    hook.before_train(runner)
    hook.after_train_iter(runner, 0)
    assert checked == [1001]


def test_outside_distributed_training_nothing_is_checked(monkeypatch):
    hook = RankConsistencyHook(interval=1)
    monkeypatch.setattr(hook, "check", lambda *args: pytest.fail("checked without a process group"))
    hook.after_train_iter(SimpleNamespace(iter=0, model=None), 0)


def test_on_by_default_in_distributed_runs_and_off_with_none():
    assert load_config("dareg::demo/dann_digits.py").default_hooks.rank_consistency == dict(
        type="RankConsistencyHook", interval=100
    )
    bare = Config(dict())  # a config without dareg's default_runtime
    configure_distributed(bare)
    assert bare.default_hooks.rank_consistency == dict(type="RankConsistencyHook", interval=RANK_CONSISTENCY_INTERVAL)
    off = Config(dict(default_hooks=dict(rank_consistency=None)))
    configure_distributed(off)  # build_runner's order: defaults first, then None hooks dropped
    drop_disabled_default_hooks(off)
    assert "rank_consistency" not in off.default_hooks
    own = Config(dict(custom_hooks=[dict(type="RankConsistencyHook", interval=1)]))
    configure_distributed(own)
    assert "rank_consistency" not in own.default_hooks


def test_a_top_level_find_unused_parameters_reaches_dareg_wrapper():
    cfg = Config(dict(find_unused_parameters=True))
    configure_distributed(cfg)
    assert cfg.model_wrapper_cfg == dict(type="dareg.AlgorithmDistributedDataParallel", find_unused_parameters=True)
    assert "find_unused_parameters" not in cfg
