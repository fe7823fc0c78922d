"""One optimizer per named sub-module, as adversarial methods need (mmengine has no such constructor)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mmengine.logging import MMLogger, print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from dareg.registry import OPTIM_WRAPPER_CONSTRUCTORS
from dareg.utils.modules import get_submodule

MODULES_HINT = "The keys of optim_wrapper (or their `modules` lists) must be attribute names of the algorithm."


class _FrozenParameterSkips(logging.Filter):
    """Drops mmengine's one-warning-per-frozen-parameter records and keeps the parameter names."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.endswith(" is skipped since its requires_grad=False"):
            self.names.append(message.split(" ", 1)[0])
            return False
        return True


@contextmanager
def summarised_frozen_parameters(optimizer_name: str) -> Iterator[None]:
    """Replace mmengine's warning per frozen parameter (~200 for DeepLab-v2's BN) by one summary line.

    ``DefaultOptimWrapperConstructor`` with a ``paramwise_cfg`` leaves parameters with
    ``requires_grad=False`` out of the optimizer, as it should, and warns once for each of them.
    """
    logger = MMLogger.get_current_instance()
    skips = _FrozenParameterSkips()
    logger.addFilter(skips)
    try:
        yield
    finally:
        logger.removeFilter(skips)
    if skips.names:
        print_log(
            f"optimizer '{optimizer_name}': {len(skips.names)} parameters with requires_grad=False are not "
            f"optimized (frozen by their module, e.g. BatchNorm affine parameters; first: {skips.names[:3]}).",
            logger="current",
        )


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an :class:`~mmengine.optim.OptimWrapperDict` with one optimizer per sub-module.

    Every key of the config except ``constructor`` names an optimizer; by default it updates the
    algorithm's attribute of the same name. ``modules=[...]`` lets one optimizer update several
    sub-modules (CycleGAN's two generators). Each entry is an ordinary mmengine optim-wrapper
    config and may carry its own ``paramwise_cfg`` (for example ``lr_mult=10`` on heads), applied to
    parameter names relative to its sub-module. ``param_scheduler`` may then be a dict with the same
    keys.

    Args:
        optim_wrapper_cfg: ``{name: optim wrapper config}``.
        paramwise_cfg: Must be None: put ``paramwise_cfg`` inside each optimizer's config.

    Examples:
        >>> optim_wrapper = dict(
        ...     constructor="MultiOptimWrapperConstructor",
        ...     segmentor=dict(
        ...         optimizer=dict(type="SGD", lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        ...         paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)})),
        ...     discriminator=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))))
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError(
                "MultiOptimWrapperConstructor takes no top-level paramwise_cfg: put paramwise_cfg "
                "inside the config of the optimizer it applies to, e.g. "
                "optim_wrapper=dict(segmentor=dict(optimizer=..., paramwise_cfg=...))."
            )
        if not optim_wrapper_cfg:
            raise ValueError("optim_wrapper with MultiOptimWrapperConstructor names no optimizer.")
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or "optimizer" not in cfg:
                raise ValueError(
                    f"optim_wrapper.{name} must be a dict with an 'optimizer' key "
                    f"(e.g. {name}=dict(optimizer=dict(type='Adam', lr=1e-4))), got {cfg!r}."
                )
        self.optim_wrapper_cfg = copy.deepcopy(dict(optim_wrapper_cfg))

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers: dict[str, Any] = {}
        owner: dict[int, str] = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            cfg = copy.deepcopy(cfg)
            paths = cfg.pop("modules", None) or [name]
            paramwise_cfg = cfg.pop("paramwise_cfg", None)
            modules = {path: get_submodule(model, path, f"optim_wrapper.{name}", MODULES_HINT) for path in paths}
            target = (
                modules[paths[0]]
                if len(paths) == 1
                else nn.ModuleDict({path.replace(".", "_"): m for path, m in modules.items()})
            )
            for param in target.parameters():
                if id(param) in owner:
                    raise ValueError(
                        f"A parameter is updated by two optimizers, '{owner[id(param)]}' and '{name}': "
                        "give each sub-module to exactly one optimizer."
                    )
                owner[id(param)] = name
            with summarised_frozen_parameters(name):
                wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise_cfg)(target)
        orphans = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in owner]
        if orphans:
            print_log(
                f"{len(orphans)} trainable parameters belong to no optimizer and will not be updated "
                f"(first: {orphans[:5]}).",
                logger="current",
            )
        return OptimWrapperDict(**wrappers)
