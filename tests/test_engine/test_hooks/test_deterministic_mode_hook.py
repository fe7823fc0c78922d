"""Deterministic mode on CUDA, checked on the CPU: the cuBLAS variable, ``warn_only``, the refusal before training."""

from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from torch import nn

from dareg.apis import train
from dareg.engine.hooks import deterministic_mode_hook
from dareg.engine.hooks.deterministic_mode_hook import (
    NONDETERMINISTIC_CUDA_OPS,
    DeterministicModeError,
    check_deterministic_ops,
    configure_determinism,
)
from dareg.utils.determinism import CUBLAS_WORKSPACE_VARIABLE, NondeterministicOpsRecorder


@pytest.fixture
def torch_determinism(monkeypatch):
    """Put torch's global deterministic setting back, and start without the cuBLAS variable."""
    monkeypatch.delenv(CUBLAS_WORKSPACE_VARIABLE, raising=False)
    mode = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    yield
    torch.use_deterministic_algorithms(mode, warn_only=warn_only)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


class ModeRecorder(Hook):
    """Records torch's deterministic setting at every iteration (in ``seen``, shared: configs hold names)."""

    seen: list[tuple[bool, bool]] = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.seen.append(
            (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
        )


@pytest.fixture
def mode_recorder():
    from dareg.registry import HOOKS

    HOOKS.register_module(module=ModeRecorder, force=True)
    ModeRecorder.seen = []
    yield dict(type="ModeRecorder")
    HOOKS._module_dict.pop("ModeRecorder", None)


def test_configure_sets_cublas_and_turns_warn_only_into_the_hook(torch_determinism):
    cfg = Config(dict(randomness=dict(seed=1, deterministic=True, warn_only=True), custom_hooks=[]))
    configure_determinism(cfg)
    assert os.environ[CUBLAS_WORKSPACE_VARIABLE] == ":4096:8"
    assert "warn_only" not in cfg.randomness  # mmengine's set_randomness would reject it
    assert cfg.custom_hooks == [dict(type="DeterministicModeHook", warn_only=True)]
    configure_determinism(cfg)  # the dumped config, built again (a resume): one hook, its setting kept
    assert cfg.custom_hooks == [dict(type="DeterministicModeHook", warn_only=True)]


def test_configure_leaves_non_deterministic_runs_alone_and_refuses_a_stray_warn_only(torch_determinism):
    cfg = Config(dict(randomness=dict(seed=1)))
    configure_determinism(cfg)
    assert CUBLAS_WORKSPACE_VARIABLE not in os.environ and "custom_hooks" not in cfg
    with pytest.raises(ValueError, match="randomness.deterministic=True as well"):
        configure_determinism(Config(dict(randomness=dict(seed=1, warn_only=True))))


def test_a_cublas_value_that_is_not_deterministic_is_refused(torch_determinism, monkeypatch):
    monkeypatch.setenv(CUBLAS_WORKSPACE_VARIABLE, ":0:0")
    with pytest.raises(ValueError, match="':4096:8' or ':16:8'"):
        configure_determinism(Config(dict(randomness=dict(deterministic=True))))


def test_warn_only_holds_through_a_resume_in_the_runner(tmp_path, toys, torch_determinism, mode_recorder):
    randomness = dict(seed=7, deterministic=True, warn_only=True)
    loop = dict(type="ResumableIterBasedTrainLoop", max_iters=6)
    runner = train(Config(toys.toy_config(tmp_path, randomness=dict(randomness), train_cfg=loop)))
    assert [h.warn_only for h in runner.hooks if type(h).__name__ == "DeterministicModeHook"] == [True]
    resumed = toys.toy_config(tmp_path, randomness=dict(randomness), resume=True)
    resumed["custom_hooks"] = [*resumed["custom_hooks"], mode_recorder]
    runner = train(Config(resumed))
    assert runner.iter == 12
    # mmengine's resume re-applies use_deterministic_algorithms(True) without warn_only; the hook after it
    assert ModeRecorder.seen == [(True, True)] * 6


def test_strict_mode_on_cuda_is_refused_before_the_first_iteration(
    tmp_path, toys, torch_determinism, monkeypatch, mode_recorder
):
    """The CUDA case emulated: the toy declared to run an operation without a deterministic CUDA kernel."""
    monkeypatch.setitem(NONDETERMINISTIC_CUDA_OPS, "ToyAdversarial", ("ReflectionPad2d backward",))
    monkeypatch.setattr(deterministic_mode_hook, "_device_type", lambda model: "cuda")
    cfg = toys.toy_config(tmp_path, randomness=dict(seed=7, deterministic=True))
    cfg["custom_hooks"] = [*cfg["custom_hooks"], mode_recorder]
    with pytest.raises(DeterministicModeError, match=r"ToyAdversarial runs .*ReflectionPad2d backward.*warn_only=True"):
        train(Config(cfg))
    assert ModeRecorder.seen == []  # refused before any iteration


def test_check_reports_with_warn_only_and_ignores_the_cpu():
    assert check_deterministic_ops("AdaptSegNet", "cpu", warn_only=False) == []
    assert check_deterministic_ops("DANN", "cuda", warn_only=False) == []
    assert "interpolate(mode='bilinear') backward" in check_deterministic_ops("AdaptSegNet", "cuda", warn_only=True)
    with pytest.raises(DeterministicModeError, match="NLLLoss"):
        check_deterministic_ops("AdaptSegNet", "cuda", warn_only=False)
    from dareg.algorithms.adaptsegnet import AdaptSegNet

    class PluginMethod(AdaptSegNet):  # a plugin's subclass, like dareg-advent's AdvEnt
        pass

    with pytest.raises(DeterministicModeError, match="PluginMethod runs operations .*NLLLoss"):
        check_deterministic_ops(PluginMethod, "cuda", warn_only=False)

    class Declared(AdaptSegNet):  # a plugin's algorithm that declares its own operations
        nondeterministic_cuda_ops = ("grid_sample backward",)

    assert check_deterministic_ops(Declared, "cuda", warn_only=True) == ["grid_sample backward"]


def test_recorder_sees_forward_and_backward_operations():
    image = torch.randn(1, 3, 8, 8, requires_grad=True)
    with NondeterministicOpsRecorder() as recorder:
        up = F.interpolate(nn.ReflectionPad2d(1)(image), scale_factor=2, mode="bilinear")
        pooled = nn.AdaptiveAvgPool2d(1)(up)  # a mean to 1x1 on every device: no entry
        loss = F.cross_entropy(up, torch.zeros(1, 20, 20, dtype=torch.long)) + pooled.sum()
        loss.backward()
    assert set(recorder.found) == {
        "interpolate(mode='bilinear') backward",
        "ReflectionPad2d backward",
        "NLLLoss / cross_entropy on 2-D maps",
    }
    with NondeterministicOpsRecorder() as recorder:
        nn.AdaptiveAvgPool2d(2)(image).sum().backward()
        torch.bincount(torch.tensor([0, 1, 1]))  # without weights: deterministic
    assert set(recorder.found) == {"AdaptiveAvgPool2d backward"}


@pytest.mark.parametrize("algorithm", ["AdaptSegNet", "CycleGAN", "DANN"])
def test_the_table_holds_what_the_demo_configs_run(algorithm):
    from dareg.benchmark.determinism import record_case
    from dareg.benchmark.gpu_cases import ALGORITHMS

    case = next(case for case in ALGORITHMS if case.name == algorithm)
    assert set(record_case(case, dry=True)) <= set(NONDETERMINISTIC_CUDA_OPS.get(algorithm, ()))
