"""Adversarial losses for the discriminator side and the generator side of a GAN.

Modes:

* ``"vanilla"``: binary cross-entropy on logits (Goodfellow et al., 2014); AdaptSegNet, ADDA,
  DiscoGAN.
* ``"lsgan"``: mean squared error to the label (Mao et al., 2017); CycleGAN, AdaptSegNet's
  LS-GAN variant.
* ``"hinge"``: ``mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))`` for the discriminator and
  ``-mean(D(fake))`` for the generator (Lim & Ye, 2017).

The domain labels are explicit numbers, because adaptation papers differ in which domain they
call "real": AdaptSegNet labels source 0 and target 1 and trains the segmentor to make target
predictions look like source (label 0).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import LOSSES

GAN_MODES = ("vanilla", "lsgan", "hinge")


@LOSSES.register_module()
class GANLoss(nn.Module):
    """Adversarial loss of discriminator logits against a target label.

    ``loss(logits, target)`` returns ``loss_weight`` times the mean loss of ``logits`` against the
    constant label ``target`` (a float, e.g. 0.0 for source and 1.0 for target). In hinge mode the
    label must be 0 or 1 and ``is_discriminator`` selects the discriminator's or the generator's
    form (the two differ only there).

    Args:
        mode: ``"vanilla"``, ``"lsgan"`` or ``"hinge"``. Defaults to ``"vanilla"``.
        loss_weight: Multiplier of the loss. Defaults to 1.0.

    Examples:
        >>> loss = GANLoss("lsgan")
        >>> float(loss(torch.tensor([0.5, 1.5]), 1.0))  # ((0.5-1)^2 + (1.5-1)^2) / 2
        0.25
    """

    def __init__(self, mode: str = "vanilla", loss_weight: float = 1.0) -> None:
        super().__init__()
        if mode not in GAN_MODES:
            raise ValueError(f"GANLoss: mode must be one of {GAN_MODES}, got {mode!r}")
        self.mode = mode
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, target: float, is_discriminator: bool = True) -> torch.Tensor:
        if self.mode == "vanilla":
            loss = F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(target)))
        elif self.mode == "lsgan":
            loss = F.mse_loss(logits, torch.full_like(logits, float(target)))
        else:
            if target not in (0, 1, 0.0, 1.0):
                raise ValueError(f"GANLoss(mode='hinge') takes label 0 or 1, got {target}")
            sign = 1.0 if target else -1.0
            loss = F.relu(1.0 - sign * logits).mean() if is_discriminator else -(sign * logits).mean()
        return self.loss_weight * loss
