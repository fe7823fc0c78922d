"""The fully convolutional output-space discriminator of AdaptSegNet (Tsai et al., CVPR 2018).

Facts from the paper and the reference ``model/discriminator.py``: five 4x4 convolutions with
stride 2 and padding 1, channels ``C -> 64 -> 128 -> 256 -> 512 -> 1``, LeakyReLU(0.2) after the
first four, no normalisation and no sigmoid (the loss takes logits). Its input is the softmax of a
segmentation prediction upsampled to the input image size; its output is a logit map at 1/32 of it.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import DISCRIMINATORS


@DISCRIMINATORS.register_module()
class FCDiscriminator(nn.Module):
    """Patch-wise domain classifier on class-probability maps.

    Args:
        in_channels: Channels of the input (the number of classes). Defaults to 19.
        base_channels: Width of the first convolution; later ones double it up to 8x.
            Defaults to 64.
        negative_slope: Slope of the LeakyReLUs. Defaults to 0.2.

    Examples:
        >>> d = FCDiscriminator(in_channels=19)
        >>> tuple(d(torch.zeros(1, 19, 64, 128)).shape)
        (1, 1, 2, 4)
    """

    def __init__(self, in_channels: int = 19, base_channels: int = 64, negative_slope: float = 0.2) -> None:
        super().__init__()
        widths = [in_channels, base_channels, base_channels * 2, base_channels * 4, base_channels * 8]
        layers: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(negative_slope)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Conv2d(widths[-1], 1, kernel_size=4, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
