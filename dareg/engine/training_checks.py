"""Checks between building the model and the first iteration: optimizer keys, forgotten parameters, EMA modules.

Three mistakes used to surface late or never:

* an ``optim_wrapper`` key that is misspelt, or that the algorithm does not step: a ``KeyError`` at
  the first step, or an optimizer that silently never runs;
* trainable parameters that no optimizer updates: a run that ends with exit code 0 while a
  sub-network kept its initial weights;
* a sub-network that ``train_spec`` declares as moved by EMA (a self-training teacher) but that is
  missing, trainable, or given to an optimizer, which would then fight the EMA.

:func:`check_training_setup` finds them from the config and the built model (no optimizer is
built), with the closest names. A declared EMA module needs no optimizer and no opt-in. A config
that means to leave other parameters trainable but un-updated says so::

    allow_unoptimized_params = ["task_model.head.*"]   # glob patterns of parameter names, or True
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from mmengine.model import is_model_wrapper
from torch import nn

from dareg.registry import close_matches
from dareg.utils.config import ConfigError
from dareg.utils.modules import get_submodule

#: The config key that lets parameters stay trainable without an optimizer.
ALLOW_KEY = "allow_unoptimized_params"
MULTI = "MultiOptimWrapperConstructor"


class TrainingSetupError(ConfigError):
    """The optimizers of a config do not fit the algorithm it builds."""


def _optimizer_modules(optim_wrapper: dict) -> dict[str, list[str]] | None:
    """``{optimizer key: [sub-module paths]}`` of a multi-optimizer config; None for a single optimizer."""
    if optim_wrapper.get("constructor") != MULTI:
        return None
    return {
        key: list(value.get("modules") or [key]) if isinstance(value, dict) else [key]
        for key, value in optim_wrapper.items()
        if key != "constructor"
    }


def _submodule(model: nn.Module, path: str) -> nn.Module | None:
    try:
        return get_submodule(model, path, "optim_wrapper")
    except KeyError:
        return None


def check_optimizer_keys(optim_wrapper: dict, model: nn.Module, source: str = "the config") -> None:
    """Every optimizer names a sub-module of the algorithm, and every optimizer it steps exists.

    Raises:
        TrainingSetupError: Names the key, the closest sub-module names, and the keys the
            algorithm's ``train_spec`` steps.
    """
    modules = _optimizer_modules(optim_wrapper)
    if modules is None:
        return
    cls = type(model).__name__
    children = [name for name, _ in model.named_children() if name != "data_preprocessor"]
    spec = getattr(type(model), "train_spec", None)
    for key, paths in modules.items():
        for path in paths:
            if _submodule(model, path) is None:
                matches = close_matches(path, children)
                raise TrainingSetupError(
                    f"{source}: optim_wrapper.{key} updates the sub-module '{path}', but {cls} has no such "
                    f"sub-module." + (f" Did you mean: {', '.join(matches)}?" if matches else "")
                    + f" {cls}'s sub-modules: {children}."
                    + (f" Its train_step steps the optimizers {list(spec.optimizer_keys)}." if spec else "")
                )
    if spec is None:
        return
    stepped = spec.optimizer_keys_for(model)  # an optional part the config leaves out (None) needs no optimizer
    missing = [key for key in stepped if key not in modules]
    if missing:
        extra = [key for key in modules if key not in stepped]
        hints = [f"'{m}' (did you mean '{close_matches(m, extra)[0]}'?)" if close_matches(m, extra) else f"'{m}'"
                 for m in missing]
        raise TrainingSetupError(
            f"{source}: {cls}.train_step steps the optimizers {list(stepped)}, but optim_wrapper has "
            f"no {', '.join(hints)}. Add `{missing[0]}=dict(optimizer=...)` to optim_wrapper "
            f"(constructor='{MULTI}')."
        )
    unused = [key for key in modules if key not in spec.optimizer_keys]
    if unused:
        raise TrainingSetupError(
            f"{source}: optim_wrapper.{unused[0]} is never stepped: {cls}.train_step steps only "
            f"{list(spec.optimizer_keys)}. Remove it, or list its sub-module in the `modules` of one of those."
        )


def check_ema_modules(optim_wrapper: dict, model: nn.Module, source: str = "the config") -> None:
    """Every module ``train_spec`` declares as moved by EMA exists, is frozen and is in no optimizer.

    Raises:
        TrainingSetupError: Names the module, what is wrong and what to do.
    """
    spec = getattr(type(model), "train_spec", None)
    if spec is None or not spec.ema_updates:
        return
    cls = type(model).__name__
    children = [name for name, _ in model.named_children() if name != "data_preprocessor"]
    modules = _optimizer_modules(optim_wrapper) or {}
    for update in spec.ema_updates:
        for role, path in (("moved by EMA", update.module), ("the source of the EMA", update.source)):
            if _submodule(model, path) is None:
                raise TrainingSetupError(
                    f"{source}: {cls}.train_spec declares '{path}' as {role}, but {cls} has no such sub-module "
                    f"(its sub-modules: {children}). Fix the algorithm's train_spec.ema."
                )
        teacher = _submodule(model, update.module)
        trainable = [name for name, p in teacher.named_parameters() if p.requires_grad]
        if trainable:
            raise TrainingSetupError(
                f"{source}: {cls}.{update.module} is moved by EMA from '{update.source}', but {len(trainable)} of its "
                f"parameters require gradients (first: {trainable[:3]}). An EMA module gets no gradient: freeze it "
                "(dareg.models.utils.EMATeacher does)."
            )
        owned = {id(p) for p in teacher.parameters()}
        for key, paths in modules.items():
            for path in paths:
                sub = _submodule(model, path)
                if sub is not None and any(id(p) in owned for p in sub.parameters()):
                    raise TrainingSetupError(
                        f"{source}: optim_wrapper.{key} updates '{path}', which holds parameters of "
                        f"'{update.module}'; {cls}.train_spec declares '{update.module}' as moved by EMA from "
                        f"'{update.source}', with no optimizer. Remove it from optim_wrapper.{key}."
                    )


def unoptimized_parameters(optim_wrapper: dict, model: nn.Module) -> list[str]:
    """Names of the trainable parameters of ``model`` that no optimizer of ``optim_wrapper`` updates."""
    modules = _optimizer_modules(optim_wrapper)
    if modules is None:  # one optimizer over the whole model
        return []
    owned = set()
    for paths in modules.values():
        for path in paths:
            sub = _submodule(model, path)
            if sub is not None:
                owned.update(id(p) for p in sub.parameters())
    return [name for name, p in model.named_parameters() if p.requires_grad and id(p) not in owned]


def _allowed(name: str, allowed: bool | str | Iterable[str] | None) -> bool:
    if allowed is True:
        return True
    if not allowed:
        return False
    patterns = [allowed] if isinstance(allowed, str) else list(allowed)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def check_unoptimized_parameters(
    optim_wrapper: dict, model: nn.Module, allowed: bool | str | Iterable[str] | None = None, source: str = "the config"
) -> None:
    """Fail if trainable parameters belong to no optimizer, unless ``allowed`` covers them.

    Raises:
        TrainingSetupError: Lists the sub-modules concerned and the two ways out (give them an
            optimizer, freeze them, or opt in with ``allow_unoptimized_params``).
    """
    orphans = [n for n in unoptimized_parameters(optim_wrapper, model) if not _allowed(n, allowed)]
    if not orphans:
        return
    owners = sorted({name.split(".")[0] for name in orphans})
    raise TrainingSetupError(
        f"{source}: {len(orphans)} trainable parameters of {type(model).__name__} are updated by no optimizer "
        f"(in sub-modules {owners}; first: {orphans[:5]}); they would keep their initial values. Give them an "
        f"optimizer (optim_wrapper.<key>.modules), freeze them (requires_grad=False), or declare it in the "
        f"config: {ALLOW_KEY} = {[o + '.*' for o in owners]!r}."
    )


def check_training_setup(cfg: dict, model: nn.Module) -> None:
    """Run every check of this module on a config and the model its Runner built (unwrapped here).

    Raises:
        TrainingSetupError: The first problem found.
    """
    optim_wrapper = cfg.get("optim_wrapper")
    if not optim_wrapper or not cfg.get("train_cfg"):
        return
    if is_model_wrapper(model):
        model = model.module
    source = getattr(cfg, "filename", None) or "the config"
    check_optimizer_keys(optim_wrapper, model, source)
    check_ema_modules(optim_wrapper, model, source)
    check_unoptimized_parameters(optim_wrapper, model, cfg.get(ALLOW_KEY), source)
