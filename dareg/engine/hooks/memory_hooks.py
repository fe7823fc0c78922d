"""Memory-format and activation-memory options for any algorithm, as config hooks.

* :class:`ChannelsLastHook` stores the model's 4-D weights and the preprocessed images in
  ``torch.channels_last`` (NHWC). On GPUs with tensor cores, convolutions (especially under AMP)
  run faster in NHWC (PyTorch's channels-last tutorial,
  https://pytorch.org/tutorials/intermediate/memory_format_tutorial.html). On CPUs it may help or
  hurt: measure with ``tools/benchmark.py``.
* :class:`ActivationCheckpointHook` re-runs named sub-modules (e.g. the backbone's deepest stages)
  during the backward pass instead of keeping their activations (``torch.utils.checkpoint``,
  non-reentrant), trading about one extra forward of those modules for their activation memory
  (Chen et al., "Training Deep Nets with Sublinear Memory Cost", 2016).

Both act on the built model before training starts, through hooks in ``custom_hooks``, so no
algorithm or network has to know about them, and they work under dareg's DDP wrapper (whose
sub-network wrappers pass attribute access through).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn
from torch.utils.checkpoint import checkpoint

from dareg.engine.sub_network_calls import replaying_a_call
from dareg.registry import HOOKS
from dareg.utils.modules import find_submodules


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _to_channels_last(data: Any) -> Any:
    if isinstance(data, torch.Tensor):
        return data.contiguous(memory_format=torch.channels_last) if data.dim() == 4 else data
    if isinstance(data, dict):
        return {
            key: (_to_channels_last(value) if key == "inputs" or isinstance(value, dict) else value)
            for key, value in data.items()
        }
    return data


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Train in the channels-last (NHWC) memory format.

    Before training, every 4-D parameter and buffer of the model is converted, and a forward hook
    on the data preprocessor converts the 4-D ``inputs`` of each domain.

    Examples:
        >>> custom_hooks = [dict(type="ChannelsLastHook")]
    """

    priority = "VERY_HIGH"

    def before_train(self, runner: Any) -> None:
        model = _unwrap(runner.model)
        model.to(memory_format=torch.channels_last)
        preprocessor = getattr(model, "data_preprocessor", None)
        if preprocessor is not None:
            preprocessor.register_forward_hook(lambda module, args, output: _to_channels_last(output))


def checkpointed_forward(forward: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``forward`` under non-reentrant activation checkpointing while gradients are on.

    The recomputation in the backward pass counts as part of the network's call, which DDP prepared
    (:func:`~dareg.engine.sub_network_calls.replaying_a_call`).
    """
    if torch.is_grad_enabled():
        return checkpoint(functools.partial(_as_part_of_the_call, forward), *args, use_reentrant=False, **kwargs)
    return forward(*args, **kwargs)


def _as_part_of_the_call(forward: Any, *args: Any, **kwargs: Any) -> Any:
    with replaying_a_call():
        return forward(*args, **kwargs)


@HOOKS.register_module()
class ActivationCheckpointHook(Hook):
    """Recompute the activations of the named sub-modules in the backward pass.

    Args:
        modules: Paths of sub-modules relative to the algorithm, e.g.
            ``["segmentor.backbone.layer3", "segmentor.backbone.layer4"]`` for DeepLab-v2 ResNet. A part
            may be a shell-style pattern matching one level (:func:`~dareg.utils.modules.find_submodules`):
            ``["task_model.backbone.encoder.block*.*"]`` checkpoints every transformer block of an MiT
            encoder (``block1.0`` ... ``block4.2``), each on its own.

    Note:
        Batch-norm layers inside a checkpointed module run their forward twice per iteration, so
        their running statistics are updated twice (with the same batch). That is harmless for
        frozen statistics (DeepLab-v2's ``frozen_bn_stats``) and for instance norm, and shifts the
        effective momentum otherwise.

    Examples:
        >>> custom_hooks = [dict(type="ActivationCheckpointHook", modules=["segmentor.backbone.layer4"])]
        >>> custom_hooks = [dict(type="ActivationCheckpointHook", modules=["task_model.backbone.encoder.block*.*"])]
    """

    priority = "VERY_HIGH"

    def __init__(self, modules: Sequence[str]) -> None:
        if isinstance(modules, str) or not modules:
            raise ValueError("ActivationCheckpointHook: modules must be a non-empty list of sub-module paths")
        self.modules = list(modules)

    def before_train(self, runner: Any) -> None:
        model = _unwrap(runner.model)
        for path in self.modules:
            for module in find_submodules(model, path, "ActivationCheckpointHook").values():
                self._checkpoint(module)

    @staticmethod
    def _checkpoint(module: nn.Module) -> None:
        from dareg.engine.model_wrappers import SubmoduleDistributedDataParallel

        if isinstance(module, SubmoduleDistributedDataParallel):
            module = module.module  # keep DDP's own forward: checkpoint the network inside it
        if not getattr(module, "_dareg_checkpointed", False):
            module.forward = functools.partial(checkpointed_forward, module.forward)
            module._dareg_checkpointed = True
