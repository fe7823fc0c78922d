"""Gradient reversal (Ganin & Lempitsky, ICML 2015) with the warm-start coefficient schedule.

The layer is the identity in the forward pass and multiplies the gradient by ``-coeff`` in the
backward pass, so one backward pass trains a domain discriminator to tell the domains apart and the
feature extractor below it to make them indistinguishable.

The coefficient grows from ``lo`` to ``hi`` (Transfer-Learning-Library ``WarmStartGradientReverseLayer``,
the official CDAN code's ``calc_coeff``)::

    coeff(i) = 2 (hi - lo) / (1 + exp(-alpha i / N)) - (hi - lo) + lo

with ``alpha`` 1, ``lo`` 0, ``hi`` 1, ``N`` 1000 by default: 0 at i = 0, about 0.46 at 1k, 0.76 at 2k
and 0.96 at 4k iterations (the official CDAN code writes the same curve as alpha 10, N 10000; the
DANN paper writes it on training progress p as ``2 / (1 + exp(-10 p)) - 1``). MDD uses hi = 0.1.

The iteration is set from outside (:meth:`GradientReversal.set_iteration`, called by the algorithm
with the Runner's iteration) rather than counted by the layer, so a resumed run continues the
schedule where it stopped.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from dareg.registry import MODELS


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, inputs: torch.Tensor, coeff: float) -> torch.Tensor:
        ctx.coeff = coeff
        return inputs.view_as(inputs)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.coeff * grad_output, None


def reverse_gradient(inputs: torch.Tensor, coeff: float = 1.0) -> torch.Tensor:
    """``inputs`` unchanged; in the backward pass the gradient is multiplied by ``-coeff``."""
    return _ReverseGradient.apply(inputs, float(coeff))


def warm_start_coefficient(
    iteration: int, lo: float = 0.0, hi: float = 1.0, alpha: float = 1.0, max_iters: int = 1000
) -> float:
    """``2 (hi - lo) / (1 + exp(-alpha * iteration / max_iters)) - (hi - lo) + lo``."""
    span = hi - lo
    return float(2.0 * span / (1.0 + math.exp(-alpha * iteration / max_iters)) - span + lo)


@MODELS.register_module()
class GradientReversal(nn.Module):
    """Identity forward, ``-coeff * grad`` backward, with a warm-start schedule of ``coeff``.

    Args:
        hi: Final coefficient. Defaults to 1.0 (DANN, CDAN; MDD uses 0.1).
        lo: Coefficient at iteration 0. Defaults to 0.0.
        alpha: Steepness of the schedule. Defaults to 1.0.
        max_iters: Iteration scale ``N`` of the schedule. Defaults to 1000.
        warm_start: Follow the schedule; False gives the constant coefficient ``hi``. Defaults to True.

    Examples:
        >>> grl = GradientReversal()
        >>> grl.set_iteration(1000)
        >>> round(grl.coeff, 4)
        0.4621
        >>> x = torch.ones(2, requires_grad=True)
        >>> grl(x).sum().backward()
        >>> x.grad
        tensor([-0.4621, -0.4621])
    """

    def __init__(
        self, hi: float = 1.0, lo: float = 0.0, alpha: float = 1.0, max_iters: int = 1000, warm_start: bool = True
    ) -> None:
        super().__init__()
        if max_iters <= 0:
            raise ValueError(f"GradientReversal: max_iters must be positive, got {max_iters}")
        self.hi, self.lo, self.alpha, self.max_iters = float(hi), float(lo), float(alpha), int(max_iters)
        self.warm_start = warm_start
        # the iteration the coefficient was last computed for; saved so an evaluation shows where it was
        self.register_buffer("iteration", torch.tensor(0, dtype=torch.long))

    def set_iteration(self, iteration: int) -> None:
        """Use the coefficient of training iteration ``iteration`` (0-based) from now on."""
        self.iteration.fill_(int(iteration))

    def coefficient(self, iteration: int) -> float:
        """The coefficient at ``iteration``."""
        if not self.warm_start:
            return self.hi
        return warm_start_coefficient(iteration, self.lo, self.hi, self.alpha, self.max_iters)

    @property
    def coeff(self) -> float:
        """The coefficient at the current iteration."""
        return self.coefficient(int(self.iteration))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return reverse_gradient(inputs, self.coeff)

    def extra_repr(self) -> str:
        schedule = f"alpha={self.alpha}, max_iters={self.max_iters}, warm_start={self.warm_start}"
        return f"hi={self.hi}, lo={self.lo}, {schedule}"
