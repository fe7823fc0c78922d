"""Checks that every rank of a distributed run holds the same weights.

With data-parallel training every rank must step from the same averaged gradients and therefore hold
bit-identical weights. They silently stop doing so when a sub-network is run past its DDP wrapper
(``self.segmentor.backbone(x)``), when a parameter belongs to no wrapped sub-network, or when a rank
applies a different update; the run then trains N different models and the checkpoint holds rank
0's. :class:`RankConsistencyHook` compares a fingerprint of every parameter with rank 0's and stops
the run naming the parameters that differ.
"""

from __future__ import annotations

from typing import Any

import torch
from mmengine.dist import all_reduce, broadcast, get_rank, get_world_size, is_distributed
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
    """After the first iteration and every ``interval`` iterations, check that all ranks hold identical weights.

    On by default in distributed runs (``default_hooks.rank_consistency``; ``None`` switches it off).
    Does nothing outside distributed training. A check is a checksum compare: each rank reduces
    every weight tensor to two float64 numbers, rank 0 broadcasts its own, and one all-reduce tells
    every rank which tensors differ on some rank; its cost does not grow with the number of ranks,
    and no weight leaves its rank. The check after the first iteration catches a sub-network whose
    gradients DDP never averages before the run wastes more than one step.

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
        self.checked = False

    def before_train(self, runner: Any) -> None:
        self.checked = False

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if is_distributed() and (not self.checked or self.every_n_train_iters(runner, self.interval)):
            self.check(runner.model, runner.iter + 1)
            self.checked = True

    def check(self, model: nn.Module, iteration: int) -> None:
        """Raise :class:`RankDivergenceError` (on every rank) if any rank's weights differ from rank 0's."""
        model = model.module if is_model_wrapper(model) else model
        names, fingerprints = weight_fingerprints(model, self.buffers)
        reference = fingerprints.clone()
        broadcast(reference, src=0)
        differs = (fingerprints != reference).any(dim=1)
        # one reduction: which tensors differ on some rank, and which ranks differ
        flags = fingerprints.new_zeros(len(names) + get_world_size())
        flags[: len(names)] = differs.to(flags.dtype)
        flags[len(names) + get_rank()] = float(differs.any())
        all_reduce(flags, op="max")
        ranks = [rank for rank, flag in enumerate(flags[len(names) :].tolist()) if flag]
        if ranks:
            bad = [name for name, flag in zip(names, flags[: len(names)].tolist()) if flag]
            others = f" (ranks differing: {ranks})" if len(ranks) > 1 else ""
            raise RankDivergenceError(
                f"After iteration {iteration}, rank {ranks[0]} holds different weights than rank 0 in "
                f"{len(bad)} tensors{others} (first: {bad[:5]}; checked on rank {get_rank()}). Their gradients "
                "were not averaged: call each sub-network itself (self.discriminator(x), "
                "self.classifier(x, mode=...)), not its methods, children or `.module`, and give every trainable "
                "parameter to a sub-network that the model wrapper wraps (docs/distributed.md). "
                "default_hooks.rank_consistency=None switches this check off."
            )
