"""Cycle-consistency and identity losses of unpaired translation (Zhu et al., ICCV 2017).

Reference facts (CycleGAN): ``||G_BA(G_AB(a)) - a||_1`` per direction, weight lambda 10; identity
``||G_AB(b) - b||_1`` with weight 0.5 x lambda. DiscoGAN uses the squared error (MSE) for its
reconstruction loss. Both are means over every element.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import LOSSES

DISTANCE_MODES = ("l1", "l2")


class _ImageDistanceLoss(nn.Module):
    def __init__(self, mode: str = "l1", loss_weight: float = 1.0) -> None:
        super().__init__()
        if mode not in DISTANCE_MODES:
            raise ValueError(f"{type(self).__name__}: mode must be one of {DISTANCE_MODES}, got {mode!r}")
        self.mode = mode
        self.loss_weight = loss_weight

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if prediction.shape != target.shape:
            raise ValueError(
                f"{type(self).__name__}: prediction {tuple(prediction.shape)} and target {tuple(target.shape)} "
                "differ in shape"
            )
        distance = F.l1_loss if self.mode == "l1" else F.mse_loss
        return self.loss_weight * distance(prediction, target)


@LOSSES.register_module()
class CycleConsistencyLoss(_ImageDistanceLoss):
    """``loss_weight * mean |reconstructed - original|`` (``"l1"``) or its squared form (``"l2"``).

    Call as ``loss(reconstructed, original)``.

    Args:
        mode: ``"l1"`` (CycleGAN) or ``"l2"`` (mean squared error, DiscoGAN). Defaults to ``"l1"``.
        loss_weight: Multiplier (CycleGAN's lambda is usually given to the algorithm instead).
            Defaults to 1.0.

    Examples:
        >>> loss = CycleConsistencyLoss("l1", loss_weight=10.0)
        >>> float(loss(torch.tensor([0.0, 1.0]), torch.tensor([0.5, 0.0])))  # 10 * (0.5 + 1) / 2
        7.5
    """


@LOSSES.register_module()
class IdentityLoss(_ImageDistanceLoss):
    """``loss_weight * mean |G(y) - y|`` for a generator fed an image of its output domain.

    Call as ``loss(generator(y), y)``. It keeps colour composition (CycleGAN's paintings <-> photos).

    Args:
        mode: ``"l1"`` or ``"l2"``. Defaults to ``"l1"``.
        loss_weight: Multiplier. Defaults to 1.0.
    """
