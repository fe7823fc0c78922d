"""CompileHook and the config's ``compile`` key: a compiled toy run trains, and its checkpoints are an eager run's.

Uses TorchDynamo's ``aot_eager`` backend (capture + autograd, no C++ code generation), so a run
takes seconds on a CPU.
"""

from __future__ import annotations

import pytest
import torch
from mmengine.config import Config

from dareg.apis.train import apply_run_options, build_runner, train
from dareg.engine.compilation import is_compiled
from dareg.engine.hooks import CompileHook
from dareg.utils.config import ConfigError


def checkpoint_state(path) -> dict[str, torch.Tensor]:
    from dareg.utils.checkpoint import allow_checkpoint_globals

    allow_checkpoint_globals()
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def toy_cfg(toys, work_dir, **overrides) -> Config:
    cfg = Config(toys.toy_config(work_dir, **overrides))
    cfg.train_cfg.max_iters = 2
    cfg.default_hooks.checkpoint.interval = 2
    return cfg


def test_compiled_toy_trains_two_iterations_and_its_checkpoint_loads_into_an_eager_run(toys, tmp_path):
    from torch._dynamo.utils import counters

    graphs_before = counters["stats"]["unique_graphs"]
    cfg = toy_cfg(toys, tmp_path / "compiled", compile=dict(backend="aot_eager"))
    runner = train(cfg)
    # the key became the hook, so mmengine did not compile train_step
    assert "compile" not in cfg and any(isinstance(hook, CompileHook) for hook in runner.hooks)
    assert runner.model.train_step.__func__ is toys.ToyAdversarial.train_step
    assert is_compiled(runner.model.classifier) and is_compiled(runner.model.discriminator)
    assert counters["stats"]["unique_graphs"] > graphs_before  # the networks really went through TorchDynamo
    logged = {k: v.current() for k, v in runner.message_hub.log_scalars.items() if k.startswith("train/loss")}
    assert logged and all(torch.isfinite(torch.as_tensor(v)) for v in logged.values())

    eager = train(toy_cfg(toys, tmp_path / "eager"))
    compiled_state = checkpoint_state(tmp_path / "compiled" / "iter_2.pth")
    eager_state = checkpoint_state(tmp_path / "eager" / "iter_2.pth")
    assert list(compiled_state) == list(eager_state)
    assert not any("_orig_mod" in key for key in compiled_state)
    # same seed, same data: the compiled run computed what the eager run computed
    for key, value in eager_state.items():
        torch.testing.assert_close(compiled_state[key], value, rtol=1e-4, atol=1e-5, msg=key)
    assert not any(is_compiled(module) for module in eager.model.children())

    # an eager run resumes from the compiled run's checkpoint (strict keys) and continues
    resumed_cfg = toy_cfg(toys, tmp_path / "resumed")
    resumed_cfg.train_cfg.max_iters = 3
    apply_run_options(resumed_cfg, "toy.py", resume=str(tmp_path / "compiled" / "iter_2.pth"))
    resumed = train(resumed_cfg)
    assert resumed.iter == 3


def test_apply_run_options_compile_sets_the_key_and_keeps_given_options():
    cfg = Config(dict(work_dir="w"))
    apply_run_options(cfg, "x.py", compile=True)
    assert cfg.compile is True
    cfg = Config(dict(work_dir="w", compile=dict(backend="aot_eager", dynamic=False)))
    apply_run_options(cfg, "x.py", compile=True)
    assert cfg.compile == dict(backend="aot_eager", dynamic=False)


def test_bad_compile_value_fails_before_the_runner_is_built(toys, tmp_path):
    cfg = toy_cfg(toys, tmp_path / "work", compile=dict(backend="aot_eager", mode="turbo"))
    with pytest.raises(ConfigError, match=r"compile\.mode='turbo' is not a torch.compile mode"):
        build_runner(cfg)
    assert not (tmp_path / "work").exists()  # before the work directory was made


def test_default_options_reach_the_hook(toys, tmp_path):
    cfg = toy_cfg(toys, tmp_path, compile=True)
    runner = build_runner(cfg)
    hook = next(hook for hook in runner.hooks if isinstance(hook, CompileHook))
    assert hook.options.torch_kwargs() == dict(backend="inductor", dynamic=None, fullgraph=False)
    assert cfg.custom_hooks[-1] == dict(
        type="CompileHook", backend="inductor", mode=None, dynamic=None, fullgraph=False
    )
