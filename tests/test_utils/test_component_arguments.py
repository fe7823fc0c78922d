"""Keyword arguments followed to where they end up: a misspelt option of any hook fails before training.

mmengine's ``CheckpointHook`` keeps its ``**kwargs`` and hands them to ``Runner.save_checkpoint`` at
the first save; the config check used to take such a class for one that accepts any key, so
``default_hooks.checkpoint.max_keep_ckpt=1`` trained up to the first save and died there.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import mmengine.registry.root as roots
import pytest
from fixtures.tools import load_tool
from mmengine.config import Config

from dareg.registry import ALL_REGISTRIES
from dareg.utils.component_arguments import KWARGS_DESTINATIONS, OPEN_KWARGS, accepted_arguments, resolve_type
from dareg.utils.config import ConfigError, load_config
from dareg.utils.config_checks import check_constructor_arguments

DEFAULT_RUNTIME = Path(__file__).resolve().parents[2] / "configs" / "_base_" / "default_runtime.py"
DEFAULT_HOOKS = sorted(Config.fromfile(str(DEFAULT_RUNTIME)).default_hooks)


@pytest.fixture
def runtime_file(toys, tmp_path):
    """The toy run on top of ``configs/_base_/default_runtime.py`` (every default hook of dareg)."""
    cfg = toys.toy_config(tmp_path / "work")
    cfg.pop("default_hooks")
    path = tmp_path / "toy_runtime.py"
    path.write_text(f"_base_ = [{str(DEFAULT_RUNTIME)!r}]\n" + "".join(f"{k} = {v!r}\n" for k, v in cfg.items()))
    return str(path)


def misspelling(hook: dict) -> tuple[str, str | None]:
    """A misspelt argument of ``hook`` (its longest argument less its last letter) and the right name."""
    accepted = accepted_arguments(resolve_type(hook["type"]), hook)
    assert accepted is not None, f"{hook['type']} accepts any keyword"
    if not accepted:
        return "intervl", None
    right = max(sorted(accepted), key=len)
    return right[:-1], right


@pytest.mark.parametrize("name", DEFAULT_HOOKS)
def test_a_misspelt_option_of_every_default_hook_is_refused_naming_key_matches_and_file(runtime_file, name):
    hook = Config.fromfile(runtime_file).default_hooks[name]
    wrong, right = misspelling(hook)
    key = f"default_hooks.{name}.{wrong}"
    expected = rf"--cfg-options {re.escape(key)}=1 does not fit {re.escape(runtime_file)}: "
    expected += rf"default_hooks\.{name} has no key '{wrong}'"
    if right:
        expected += rf"; did you mean '{right}'"
    with pytest.raises(ConfigError, match=expected):
        load_config(runtime_file, {key: 1})


def test_the_issue_examples_fail_on_the_command_line_before_any_work(runtime_file, tmp_path):
    train = load_tool("train.py").main
    for option, hint in (("max_keep_ckpt=1", "max_keep_ckpts"), ("intervl=2", "interval")):
        with pytest.raises(SystemExit, match=rf"has no key '{option.split('=')[0]}'; did you mean '{hint}'"):
            train([runtime_file, "--cfg-options", f"default_hooks.checkpoint.{option}"])
    assert not (tmp_path / "work").exists()


def test_a_misspelt_hook_option_in_the_file_fails_before_training(runtime_file, tmp_path):
    with open(runtime_file, "a") as handle:
        handle.write("default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpt=1))\n")
    with pytest.raises(SystemExit) as info:
        load_tool("train.py").main([runtime_file])
    message = str(info.value)
    assert "CheckpointHook at `default_hooks.checkpoint` in " + runtime_file in message
    assert "takes no argument 'max_keep_ckpt'; did you mean 'max_keep_ckpts'?" in message
    assert not (tmp_path / "work").exists()


def test_a_misspelt_default_hook_name_is_not_taken_for_a_new_hook(runtime_file):
    with pytest.raises(ConfigError, match=r"default_hooks has no key 'chekpoint'; did you mean 'checkpoint'\?"):
        load_config(runtime_file, {"default_hooks.chekpoint.interval": 2})
    assert load_config(runtime_file, {"default_hooks.runtime_info": None}).default_hooks.runtime_info is None


def test_kwargs_destinations_depend_on_the_config(toys):
    ema = dict(type="EMAHook", ema_type="ExponentialMovingAverage", momentum=0.001, momentm=0.1)
    (problem,) = check_constructor_arguments({"custom_hooks": [ema]})
    assert "takes no argument 'momentm'; did you mean 'momentum'?" in problem
    zero = accepted_arguments(resolve_type("ZeroRedundancyOptimizer"), dict(optimizer_type="SGD"))
    assert {"lr", "momentum", "nesterov"} <= zero and "betas" not in zero
    assert "betas" in accepted_arguments(resolve_type("ZeroRedundancyOptimizer"), dict(optimizer_type="Adam"))
    wrapper = accepted_arguments(resolve_type("MMSeparateDistributedDataParallel"))
    assert {"find_unused_parameters", "broadcast_buffers", "static_graph"} <= wrapper


def registered_classes() -> dict[str, type]:
    for registry in ALL_REGISTRIES.values():
        registry.import_from_location()
    registries = list(ALL_REGISTRIES.values()) + [r for r in vars(roots).values() if hasattr(r, "_module_dict")]
    found = {}
    for registry in registries:
        for cls in registry._module_dict.values():
            if inspect.isclass(cls):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_registered_class_has_known_arguments_or_is_declared_open():
    """A class whose ``**kwargs`` this check cannot follow must be listed, not silently accept typos."""
    unknown = []
    for qualified, cls in sorted(registered_classes().items()):
        if accepted_arguments(cls) is not None or qualified in OPEN_KWARGS:
            continue
        if any(f"{k.__module__}.{k.__qualname__}" in KWARGS_DESTINATIONS for k in cls.__mro__):
            continue  # the destination depends on another argument (ZeroRedundancyOptimizer's optimizer_type)
        unknown.append(qualified)
    assert unknown == []
