"""Checks that every rank of a distributed run holds the same weights.

With data-parallel training every rank must step from the same averaged gradients and therefore hold
bit-identical weights. They silently stop doing so when a sub-network is run past its DDP wrapper
(``self.segmentor.backbone(x)``), when a parameter belongs to no wrapped sub-network, or when a rank
applies a different update; the run then trains N different models and the checkpoint holds rank
0's. :class:`RankConsistencyHook` gathers a fingerprint of every parameter from every rank and
stops the run naming the parameters that differ.
"""

from __future__ import annotations

from typing import Any

import torch
from mmengine.dist import all_gather, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from dareg.registry import HOOKS


class RankDivergenceError(RuntimeError):
    """The ranks of a distributed run hold different weights."""


def weight_fingerprints(model: nn.Module, buffers: bool = False) -> tuple[list[str], torch.Tensor]:
    """Names and an ``N x 2`` float64 fingerprint (sum, position-weighted sum) of each tensor.

    Equal tensors give bit-identical fingerprints; a change of any element, or a permutation,
    changes them.
    """
    # state_dict keys: the names checkpoints use (no `module.` level inside dareg's DDP wrappers)
    param_ids = {id(p) for p in model.parameters()}
    tensors = {
        name: tensor
        for name, tensor in model.state_dict(keep_vars=True).items()
        if id(tensor) in param_ids or (buffers and tensor.is_floating_point())
    }
    names, rows = [], []
    for name, tensor in tensors.items():
        flat = tensor.detach().double().flatten()
        weights = torch.linspace(1.0, 2.0, flat.numel(), dtype=torch.float64, device=flat.device)
        names.append(name)
        rows.append(torch.stack([flat.sum(), (flat * weights).sum()]))
    return names, torch.stack(rows) if rows else torch.zeros(0, 2, dtype=torch.float64)


@HOOKS.register_module()
class RankConsistencyHook(Hook):
    """Every ``interval`` iterations, check that all ranks hold identical weights.

    Does nothing outside distributed training. Costs one all-gather of two numbers per parameter
    tensor (and a pass over the weights) per check.

    Args:
        interval: Check after every ``interval`` training iterations. Defaults to 100.
        buffers: Also compare floating-point buffers (BN statistics; these differ across ranks
            unless ``sync_bn`` or ``broadcast_buffers`` is used). Defaults to False.
    """

    priority = "LOW"

    def __init__(self, interval: int = 100, buffers: bool = False) -> None:
        if interval < 1:
            raise ValueError(f"RankConsistencyHook: interval must be >= 1, got {interval}")
        self.interval = interval
        self.buffers = buffers

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if is_distributed() and self.every_n_train_iters(runner, self.interval):
            self.check(runner.model, runner.iter + 1)

    def check(self, model: nn.Module, iteration: int) -> None:
        """Raise :class:`RankDivergenceError` if any rank's weights differ from rank 0's."""
        model = model.module if is_model_wrapper(model) else model
        names, fingerprints = weight_fingerprints(model, self.buffers)
        gathered = all_gather(fingerprints)
        reference = gathered[0]
        for rank, other in enumerate(gathered[1:], start=1):
            differs = (other != reference).any(dim=1)
            if differs.any():
                bad = [name for name, flag in zip(names, differs.tolist()) if flag]
                raise RankDivergenceError(
                    f"After iteration {iteration}, rank {rank} holds different weights than rank 0 in "
                    f"{len(bad)} tensors (first: {bad[:5]}; checked on rank {get_rank()}). Their gradients "
                    "were not averaged: call each sub-network through its attribute (self.discriminator(x)), "
                    "not through its children or `.module`, and give every trainable parameter to a "
                    "sub-network that the model wrapper wraps."
                )
