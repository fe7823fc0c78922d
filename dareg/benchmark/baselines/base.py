"""What every plain loop shares: the registry of baselines, :class:`PlainLoop` and the written-out losses.

Each baseline does, with raw PyTorch only (no mmengine Runner, hooks, optim wrappers or data
preprocessor), the work one ``train_step`` of its algorithm does: it calls the algorithm's own
sub-networks, computes the same losses with ``torch.nn.functional`` and steps plain
``torch.optim`` optimizers built with the config's optimizer settings. The benchmark times it
side by side with the framework on the same batches. A baseline is what a researcher would write by
hand, following the reference implementations cited in each algorithm's module.

Register one for a new algorithm with :func:`register_baseline`::

    @register_baseline("MyAlgorithm")
    def my_baseline(model, loop):
        def step(batch):
            ...
        return step

A plugin's algorithms get theirs from the plugin: a module of the plugin registers them, and the
plugin names that module in the entry-point group ``dareg.baselines`` of its ``pyproject.toml``
(``[project.entry-points."dareg.baselines"] my_method = "dareg_my_method.baselines"``).
:func:`find_baseline` imports those modules the first time it is asked for an algorithm that has
no baseline yet, so neither dareg nor the plugin's training path imports benchmark code.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dareg.algorithms.base import BaseAlgorithm

#: Algorithm class name -> factory ``(model, loop) -> step(batch)``.
BASELINES: dict[str, Callable[[nn.Module, PlainLoop], Callable[[dict], Any]]] = {}


def register_baseline(name: str) -> Callable:
    """Register a baseline factory for the algorithm class called ``name``."""

    def decorator(factory: Callable) -> Callable:
        BASELINES[name] = factory
        return factory

    return decorator


#: Entry-point group naming the modules of installed packages that register baselines.
ENTRY_POINT_GROUP = "dareg.baselines"
_entry_points_loaded = False


def find_baseline(name: str) -> Callable[[nn.Module, PlainLoop], Callable[[dict], Any]]:
    """The baseline factory of the algorithm class called ``name``.

    A name not registered yet makes the installed ``dareg.baselines`` entry points load (once per
    process), skipping plugins that ``DAREG_NO_PLUGINS`` or ``DAREG_DISABLE_PLUGINS`` switch off.

    Raises:
        KeyError: No baseline is registered for ``name``; the message lists those that are.
        dareg.plugins.PluginError: An entry point's module failed to import.
    """
    if name not in BASELINES:
        load_baseline_entry_points()
    if name not in BASELINES:
        raise KeyError(
            f"No plain-PyTorch baseline for {name}; baselines exist for {sorted(BASELINES)}. Register one with "
            f"dareg.benchmark.register_baseline (a plugin names the registering module in the entry-point "
            f"group '{ENTRY_POINT_GROUP}')."
        )
    return BASELINES[name]


def load_baseline_entry_points() -> None:
    """Import every module of the ``dareg.baselines`` entry-point group once (they register baselines)."""
    global _entry_points_loaded
    from dareg.plugins import PluginError, PluginInfo, describe_failure, disabled_names, plugins_disabled

    if _entry_points_loaded or plugins_disabled():
        return
    skip = disabled_names()
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        info = PluginInfo(entry_point.name, entry_point.value, dist.name if dist is not None else "unknown")
        if info.matches(skip):
            continue
        try:
            loaded = entry_point.load()
            if callable(loaded):
                loaded()
        except Exception as error:
            raise PluginError(
                f"The baselines of dareg plugin '{info.name}' (entry point '{info.value}' in group "
                f"'{ENTRY_POINT_GROUP}' of '{info.distribution}'; {describe_failure(error, info.module)}) failed "
                f"to import: {type(error).__name__}: {error}"
            ) from error
    _entry_points_loaded = True


class PlainLoop:
    """What a hand-written loop needs: device, input normalisation, optimizers, optional AMP.

    Args:
        optimizers: Plain ``torch.optim`` optimizers by name (the config's ``optim_wrapper`` keys).
        mean: Per-channel mean (0..255 scale) or None.
        std: Per-channel std or None.
        bgr_to_rgb: Flip 3-channel images.
        device: Device of the model.
        amp_dtype: Autocast dtype, or None for float32. float16 gets one ``torch.amp.GradScaler``
            per optimizer.
        clip_grad: Gradient clipping per optimizer name, as the config's ``optim_wrapper.<name>.clip_grad``
            (``dict(max_norm=...)`` or ``dict(type="value", clip_value=...)``). Defaults to None.
    """

    def __init__(
        self,
        optimizers: dict[str, torch.optim.Optimizer],
        mean: torch.Tensor | None,
        std: torch.Tensor | None,
        bgr_to_rgb: bool,
        device: torch.device,
        amp_dtype: torch.dtype | None = None,
        clip_grad: dict[str, dict] | None = None,
    ) -> None:
        self.optimizers = optimizers
        self.clip_grad = {name: dict(cfg) for name, cfg in (clip_grad or {}).items() if cfg}
        self.mean = None if mean is None else mean.to(device).view(-1, 1, 1)
        self.std = None if std is None else std.to(device).view(-1, 1, 1)
        self.bgr_to_rgb = bgr_to_rgb
        self.device = device
        self.amp_dtype = amp_dtype
        scaling = amp_dtype == torch.float16
        self.scalers = {name: torch.amp.GradScaler(device.type, enabled=scaling) for name in optimizers}

    def inputs(self, domain_batch: dict) -> torch.Tensor:
        """Stacked, normalised float images of one domain on the device."""
        images = domain_batch["inputs"]
        if isinstance(images, (list, tuple)):
            images = torch.stack(list(images))
        images = images.to(self.device, non_blocking=True).float()
        if self.bgr_to_rgb and images.shape[1] == 3:
            images = images.flip(1)
        if self.mean is not None:
            images = images - self.mean
        if self.std is not None:
            images = images / self.std
        return images

    def target(self, domain_batch: dict, key: str) -> torch.Tensor:
        """A label tensor of one domain on the device."""
        return domain_batch["data_samples"][key].to(self.device, non_blocking=True)

    def autocast(self) -> contextlib.AbstractContextManager:
        """``torch.autocast`` when AMP is on, else a null context."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def backward(self, name: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` (scaled for float16) into the parameters of optimizer ``name``."""
        self.scalers[name].scale(loss).backward()

    def step(self, name: str) -> None:
        """Clip (if configured), step and zero optimizer ``name``."""
        optimizer = self.optimizers[name]
        if name in self.clip_grad:
            self.scalers[name].unscale_(optimizer)
            clip_gradients(optimizer, self.clip_grad[name])
        self.scalers[name].step(optimizer)
        self.scalers[name].update()
        optimizer.zero_grad(set_to_none=True)

    def update(self, name: str, loss: torch.Tensor) -> None:
        """``backward`` then ``step``."""
        self.backward(name, loss)
        self.step(name)

    def update_jointly(self, names: tuple[str, ...], loss: torch.Tensor) -> None:
        """One ``loss`` trains the parameters of several optimizers (DANN's classifier and discriminator).

        One backward pass, then each optimizer steps. Under float16 each optimizer has its own loss
        scale, so each back-propagates its scaled loss into its own parameters instead.
        """
        if any(self.scalers[name].is_enabled() for name in names):
            for index, name in enumerate(names):
                params = [p for g in self.optimizers[name].param_groups for p in g["params"] if p.requires_grad]
                if params:
                    self.scalers[name].scale(loss).backward(retain_graph=index < len(names) - 1, inputs=params)
        else:
            loss.backward()
        for name in names:
            self.step(name)


def clip_gradients(optimizer: torch.optim.Optimizer, clip_grad: dict) -> None:
    """Clip the gradients of ``optimizer``'s parameters as mmengine's ``OptimWrapper(clip_grad=...)`` does."""
    options = dict(clip_grad)
    kind = options.pop("type", "norm")
    params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
    if not params:
        return
    if kind == "norm":
        torch.nn.utils.clip_grad_norm_(params, **options)
    elif kind == "value":
        torch.nn.utils.clip_grad_value_(params, **options)
    else:
        raise ValueError(f"baseline clip_grad: type must be 'norm' or 'value', got {kind!r}")


#: ``requires_grad=False`` for some modules inside a block: the toggling a plain loop writes too.
frozen = BaseAlgorithm.frozen


def gan_loss(logits: torch.Tensor, label: float, mode: str) -> torch.Tensor:
    """The GAN objectives dareg's algorithms use, written out: BCE with logits or least squares."""
    if mode == "vanilla":
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))
    if mode == "lsgan":
        return F.mse_loss(logits, torch.full_like(logits, label))
    raise ValueError(f"baseline gan_loss: unsupported mode {mode!r}")
