"""The calling rule of dareg's DDP: a sub-network computes with gradients only inside its own call.

Under :class:`~dareg.engine.model_wrappers.AlgorithmDistributedDataParallel` each trainable
sub-network of an algorithm (``self.classifier``, ``self.discriminators[0]`` ...) is wrapped in its
own ``DistributedDataParallel``, and only DDP's forward, that is the call ``self.classifier(x, ...)``,
prepares the averaging of the gradients of the backward pass that follows. A part of the network
run any other way (``self.classifier.extract_features(x)``, ``self.classifier.head(f)``) computes
gradients that stay on their rank, and the ranks drift apart without a word.

:class:`CallGuard` makes that mistake loud, at the offending call: every layer of the network that
holds parameters checks, when it runs, that it runs inside the network's own call, without
gradients, or with its parameters frozen, and raises :class:`SubNetworkBypassError` otherwise. The
wrapper guards every sub-network it wraps; :func:`sub_network_calls_checked` guards an algorithm
in a single process, which is how :func:`dareg.testing.check_algorithm` holds a plugin's algorithm
to the rule without a process group. ``.module`` of a DDP wrapper is the network's own call: it
goes past DDP deliberately, and :class:`~dareg.engine.hooks.RankConsistencyHook` watches it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import torch
from torch import nn


class SubNetworkBypassError(RuntimeError):
    """A part of a sub-network ran with gradients outside the sub-network's own call."""


class _Replays:
    depth = 0


_REPLAYS = _Replays()


@contextmanager
def replaying_a_call() -> Iterator[None]:
    """Within the block, parts of guarded networks count as run inside their network's call.

    For activation checkpointing, which runs a part of a network again in the backward pass, after
    the network's call (the one DDP prepared) has returned
    (:class:`~dareg.engine.hooks.ActivationCheckpointHook`).
    """
    _REPLAYS.depth += 1
    try:
        yield
    finally:
        _REPLAYS.depth -= 1


class CallGuard:
    """Raise :class:`SubNetworkBypassError` when a part of ``network`` runs with gradients outside ``network(...)``.

    Args:
        network: The sub-network (the module DDP wraps).
        name: Its attribute path in the algorithm (``"classifier"``, ``"discriminators.0"``), for
            the error message.
    """

    def __init__(self, network: nn.Module, name: str) -> None:
        self.network = network
        self.name = name
        self.depth = 0
        self.handles = [
            network.register_forward_pre_hook(self._enter),
            network.register_forward_hook(self._leave, always_call=True),
        ]
        for path, layer in network.named_modules():
            if next(layer.parameters(recurse=False), None) is not None:
                self.handles.append(layer.register_forward_pre_hook(partial(self._check, path)))

    def remove(self) -> None:
        """Remove the hooks: the network runs as if never guarded."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def _enter(self, module: nn.Module, args: Any) -> None:
        self.depth += 1

    def _leave(self, module: nn.Module, args: Any, output: Any) -> None:
        self.depth -= 1

    def _check(self, path: str, layer: nn.Module, args: Any) -> None:
        if self.depth or _REPLAYS.depth or not torch.is_grad_enabled():
            return
        if not any(param.requires_grad for param in layer.parameters(recurse=False)):
            return
        part = f"{self.name}.{path}" if path else self.name
        raise SubNetworkBypassError(
            f"`self.{self.name}.{self._entry_point()}(...)` ran `{part}` with gradients outside "
            f"`self.{self.name}(...)`: under DDP only the sub-network's own call averages gradients across ranks, "
            f"so each rank would train its own `{self.name}`. Call the sub-network itself and let its forward "
            f"return what you need (an ImageClassifier: `self.{self.name}(x, mode='features')` or "
            "`mode='features_and_logits'`); a sub-network's methods may only compute without its parameters "
            f"(loss, predict). Where no gradient is wanted, use `with self.frozen(self.{self.name}):` or "
            "`torch.no_grad()`. See docs/reference/algorithm_contract.md."
        )

    def _entry_point(self) -> str:
        """The method or part of the network that the algorithm called: the outermost frame inside it."""
        parts = {id(module): path for path, module in self.network.named_modules()}
        entry = "?"
        frame = inspect.currentframe()
        while frame is not None:
            owner = frame.f_locals.get("self")
            if id(owner) in parts:
                path = parts[id(owner)]
                entry = frame.f_code.co_name if owner is self.network else path
            elif entry != "?":
                break
            frame = frame.f_back
        return entry


def sub_networks(algorithm: nn.Module, prefix: str = "") -> dict[str, nn.Module]:
    """The trainable sub-networks of an algorithm by path, as DDP wraps them (containers descended into)."""
    found: dict[str, nn.Module] = {}
    for name, child in algorithm.named_children():
        if not any(param.requires_grad for param in child.parameters()):
            continue
        if isinstance(child, (nn.ModuleDict, nn.ModuleList)):
            found.update(sub_networks(child, f"{prefix}{name}."))
        else:
            found[prefix + name] = child
    return found


@contextmanager
def sub_network_calls_checked(algorithm: nn.Module) -> Iterator[None]:
    """Within the block, guard every trainable sub-network of ``algorithm`` as DDP training does."""
    guards = [CallGuard(network, name) for name, network in sub_networks(algorithm).items()]
    try:
        yield
    finally:
        for guard in guards:
            guard.remove()
