"""The DiscoGAN discriminator, which also returns its hidden features (Kim et al., ICML 2017).

Reference facts (SKTBrain/DiscoGAN, ``model.Discriminator``): conv4/2 64 + LeakyReLU 0.2; conv4/2
128, 256, 512 each with BatchNorm + LeakyReLU 0.2 (no biases); conv4/1 (no padding) to one output,
4x4 -> 1x1 for 64x64 images. It returns the sigmoid of that output and the activations after the
second, third and fourth blocks, which the reference's feature-matching loss compares. dareg
returns the logit (the GAN loss applies the sigmoid, in a numerically stable form) and the same
features. The reference keeps PyTorch's default initialisation.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.utils.init import init_gan_weights
from dareg.registry import DISCRIMINATORS


@DISCRIMINATORS.register_module()
class DiscoGANDiscriminator(nn.Module):
    """DiscoGAN's convolutional discriminator: ``forward(x) -> (logits, [features...])``.

    ``logits`` is ``N x 1 x h x w`` (``1 x 1`` for 64x64 images); ``features`` are the activations
    of blocks 2, 3 and 4, for :class:`~dareg.models.losses.FeatureMatchingLoss`.

    Args:
        in_channels: Input image channels. Defaults to 3.
        base_channels: Channels of the first convolution (x2 per block). Defaults to 64.
        init_type: Weight initialisation, None for PyTorch's default (reference). Defaults to None.
        init_gain: Std / gain of the initialisation. Defaults to 0.02.

    Examples:
        >>> logits, feats = DiscoGANDiscriminator(base_channels=8)(torch.randn(2, 3, 64, 64))
        >>> tuple(logits.shape), [tuple(f.shape[1:]) for f in feats]
        ((2, 1, 1, 1), [(16, 16, 16), (32, 8, 8), (64, 4, 4)])
    """

    def __init__(
        self,
        in_channels: int = 3,
        base_channels: int = 64,
        init_type: str | None = None,
        init_gain: float = 0.02,
    ) -> None:
        super().__init__()
        c = base_channels
        self.conv1 = nn.Conv2d(in_channels, c, 4, 2, 1, bias=False)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(prev, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.LeakyReLU(0.2))
            for prev, width in [(c, c * 2), (c * 2, c * 4), (c * 4, c * 8)]
        )
        self.conv_out = nn.Conv2d(c * 8, 1, 4, 1, 0, bias=False)
        init_gan_weights(self, init_type, init_gain)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = nn.functional.leaky_relu(self.conv1(x), 0.2)
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return self.conv_out(x), features
