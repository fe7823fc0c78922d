"""A discriminator that judges the entropy of predictions rather than the predictions themselves.

ADVENT (Vu et al., CVPR 2019) trains AdaptSegNet's fully-convolutional discriminator on
weighted self-information maps ``I = -P log2(P + 1e-30) / log2(C)`` instead of softmax maps ``P``.
Output-space algorithms (dareg's ``AdaptSegNet``) hand their discriminators ``P``; this wrapper
turns ``P`` into ``I`` before the wrapped discriminator sees it, so AdvEnt reuses AdaptSegNet's
training step unchanged.
"""

from __future__ import annotations

import torch
from dareg.registry import DISCRIMINATORS
from torch import nn

from dareg_advent.losses import self_information


@DISCRIMINATORS.register_module()
class SelfInformationDiscriminator(nn.Module):
    """Apply a discriminator to the self-information map of the class probabilities it receives.

    Args:
        discriminator: Config of the wrapped discriminator (``DISCRIMINATORS``). Defaults to
            ``FCDiscriminator``.
        in_channels: Number of classes; forwarded to the wrapped discriminator when its config has
            no ``in_channels`` (``I`` has one channel per class). Defaults to None.

    Examples:
        >>> disc = SelfInformationDiscriminator(in_channels=19)
        >>> probs = torch.softmax(torch.randn(1, 19, 64, 64), dim=1)
        >>> tuple(disc(probs).shape)  # FCDiscriminator: 1/32 of the input
        (1, 1, 2, 2)
    """

    def __init__(self, discriminator: dict | None = None, in_channels: int | None = None) -> None:
        super().__init__()
        cfg = dict(discriminator or dict(type="FCDiscriminator"))
        if in_channels is not None:
            cfg.setdefault("in_channels", in_channels)
        self.discriminator = DISCRIMINATORS.build(cfg)

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        return self.discriminator(self_information(probs).to(probs.dtype))
