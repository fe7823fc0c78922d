"""What keyword arguments a component's constructor accepts, followed to where its ``**kwargs`` end up.

A class whose ``__init__`` takes ``**kwargs`` accepts what the place they go to accepts: its
parent's ``__init__`` (``super().__init__(..., **kwargs)``), the names it reads itself
(``kwargs.pop("device_ids")``), or another callable. mmengine's ``CheckpointHook`` keeps its
``**kwargs`` and hands them to ``Runner.save_checkpoint`` at the first save, so a misspelt
``max_keep_ckpt`` used to pass every check and end the run there; :data:`KWARGS_DESTINATIONS`
lists such classes with where their keywords go.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Mapping
from typing import Any


def accepted_arguments(cls: Any, component: Mapping | None = None) -> set[str] | None:
    """Names ``cls(...)`` accepts as keywords, or None when it accepts any.

    ``**kwargs`` are followed to where they end up: passed on to the parent's ``__init__`` (the
    parent's names join), read by name (``kwargs.pop("device_ids")``), or handed to another callable
    listed in :data:`KWARGS_DESTINATIONS` (mmengine's ``CheckpointHook`` hands them to
    ``Runner.save_checkpoint``), whose names join. The chain ends at ``object`` or
    ``torch.nn.Module`` (which refuse unknown keywords). Only classes whose ``**kwargs`` go to a
    callable chosen at run time by another argument (:data:`OPEN_KWARGS`: timm's models) or to a
    place this function cannot follow accept any name.

    Args:
        cls: The component's class.
        component: Its config dict, for destinations that depend on another argument (``EMAHook``'s
            ``ema_type``). Defaults to None (those arguments at their defaults).
    """
    from torch import nn

    if not inspect.isclass(cls):
        return None
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass in (object, nn.Module):
            return names
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            parameters = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            return None
        names |= {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}
        varkw = next((p.name for p in parameters if p.kind is p.VAR_KEYWORD), None)
        if varkw is None:
            return names
        destination = KWARGS_DESTINATIONS.get(_qualified_name(klass))
        if destination is not None:
            extra = destination(dict(component or {}))
            return None if extra is None else names | extra
        forwarded, read = _kwargs_use(init, varkw)
        if forwarded is None:
            return None
        names |= read
        if not forwarded:
            return None
    return None


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _kwargs_use(init: Any, varkw: str) -> tuple[bool | None, set[str]]:
    """Whether ``init`` passes ``**varkw`` on to its parent's ``__init__``, and the names it reads from it.

    None (unknown) when the source cannot be read.
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        return None, set()
    forwarded, read = False, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            passes = any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == varkw for k in node.keywords)
            if passes and isinstance(func, ast.Attribute) and func.attr == "__init__":
                forwarded = True  # super().__init__(..., **kwargs) or Parent.__init__(self, ..., **kwargs)
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == varkw
                and func.attr in ("pop", "get", "setdefault")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                read.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == varkw
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            read.add(node.slice.value)
    return forwarded, read


def _parameter_names(function: Any, exclude: set[str] = frozenset()) -> set[str]:
    parameters = inspect.signature(function).parameters.values()
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"} - exclude


#: Arguments of ``Runner.save_checkpoint`` that mmengine's ``CheckpointHook`` passes itself.
CHECKPOINT_HOOK_SAVE_ARGUMENTS = {
    "out_dir",
    "filename",
    "file_client_args",
    "save_optimizer",
    "save_param_scheduler",
    "meta",
    "by_epoch",
    "backend_args",
}


def _save_checkpoint_arguments(component: dict) -> set[str]:
    """mmengine's ``CheckpointHook`` keeps ``**kwargs`` and hands them to ``Runner.save_checkpoint``."""
    from mmengine.runner import Runner

    return _parameter_names(Runner.save_checkpoint, CHECKPOINT_HOOK_SAVE_ARGUMENTS)


def _ema_model_arguments(component: dict) -> set[str] | None:
    """mmengine's ``EMAHook`` builds ``dict(type=ema_type, model=..., **kwargs)``."""
    accepted = accepted_arguments(resolve_type(component.get("ema_type", "ExponentialMovingAverage")))
    return None if accepted is None else accepted - {"model"}


def _distributed_data_parallel_arguments(component: dict) -> set[str] | None:
    """Model wrappers that wrap each sub-network in mmengine's ``MMDistributedDataParallel``."""
    from mmengine.model import MMDistributedDataParallel

    accepted = accepted_arguments(MMDistributedDataParallel)
    return None if accepted is None else accepted - {"module"}


def _zero_optimizer_arguments(component: dict) -> set[str] | None:
    """torch's ``ZeroRedundancyOptimizer`` builds ``optimizer_class(params, **defaults)``."""
    import torch

    optimizer = getattr(torch.optim, str(component.get("optimizer_type", "")), None)
    accepted = accepted_arguments(optimizer)
    return None if accepted is None else accepted - {"params"}


#: Where the ``**kwargs`` of a class end up when not in its parent's ``__init__``: the class's
#: qualified name -> a function of the component's config returning the names accepted there.
KWARGS_DESTINATIONS: dict[str, Callable[[dict], set[str] | None]] = {
    "mmengine.hooks.checkpoint_hook.CheckpointHook": _save_checkpoint_arguments,
    "mmengine.hooks.ema_hook.EMAHook": _ema_model_arguments,
    "mmengine.model.wrappers.seperate_distributed.MMSeparateDistributedDataParallel": (
        _distributed_data_parallel_arguments
    ),
    "dareg.engine.model_wrappers.AlgorithmDistributedDataParallel": _distributed_data_parallel_arguments,
    "torch.distributed.optim.zero_redundancy_optimizer.ZeroRedundancyOptimizer": _zero_optimizer_arguments,
}

#: Classes that accept any keyword on purpose: their ``**kwargs`` go to a constructor that another
#: argument picks at run time. A wrong name still fails when the model is built, before training.
OPEN_KWARGS = {
    "dareg.models.backbones.timm_backbone.TimmBackbone": "timm.create_model(model_name, **kwargs)",
    "dareg.models.backbones.timm_pooled.TimmPooledBackbone": "timm.create_model(model_name, **kwargs)",
}


@functools.cache
def _import_registered_modules() -> None:
    """Import the modules that fill dareg's registries (their locations, plugins) and mmengine's, once."""
    import mmengine.dataset  # noqa: F401
    import mmengine.evaluator  # noqa: F401
    import mmengine.hooks  # noqa: F401
    import mmengine.model  # noqa: F401
    import mmengine.optim  # noqa: F401
    import mmengine.runner  # noqa: F401
    import mmengine.visualization  # noqa: F401

    from dareg.registry import ALL_REGISTRIES

    for registry in ALL_REGISTRIES.values():
        registry.import_from_location()


def resolve_type(name: Any) -> Any:
    """The class a config ``type`` names (dareg's registries, then mmengine's), or None."""
    if not isinstance(name, str):
        return name if inspect.isclass(name) else None
    import mmengine.registry.root as roots

    from dareg.registry import ALL_REGISTRIES

    bare = name.split(".", 1)[1] if name.startswith("dareg.") else name
    # --cfg-options are checked before anything was built; dareg's classes shadow mmengine's of the same name
    _import_registered_modules()
    registries = list(ALL_REGISTRIES.values()) + [r for r in vars(roots).values() if hasattr(r, "_module_dict")]
    for registry in registries:
        found = registry._module_dict.get(bare)
        if found is not None:
            return found
    return None
