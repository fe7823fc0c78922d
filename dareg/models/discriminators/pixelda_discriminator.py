"""PixelDA's image discriminator (Bousmalis et al., CVPR 2017).

Facts from the reference implementation (``pixel_domain_adaptation``, hparams and model): a 3x3
convolution with stride 1 and 64 filters, then 3x3 stride-2 blocks doubling the filters
(``discriminator_filter_factor=2``) down to a 4x4 map, LeakyReLU 0.2, dropout with keep probability
0.9 and Gaussian noise of std 0.2 added to every hidden layer during training, then one logit
("is a target image").
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.registry import DISCRIMINATORS


class GaussianNoise(nn.Module):
    """Add zero-mean Gaussian noise of std ``std`` in training mode only.

    Args:
        std: Standard deviation of the noise. Defaults to 0.2.
    """

    def __init__(self, std: float = 0.2) -> None:
        super().__init__()
        self.std = std

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.training and self.std > 0:
            return inputs + self.std * torch.randn_like(inputs)
        return inputs


@DISCRIMINATORS.register_module()
class PixelDADiscriminator(nn.Module):
    """Conv 3x3 stride 1, then stride-2 conv blocks until 4x4, then a linear layer to one logit.

    Each hidden layer is conv -> (BatchNorm) -> LeakyReLU -> dropout -> Gaussian noise.

    Args:
        in_channels: Image channels. Defaults to 3.
        channels: Filters of the stride-1 layer followed by those of the stride-2 blocks. Defaults to
            (64, 128, 256, 512): 32x32 -> 32 -> 16 -> 8 -> 4.
        image_size: Side of the square input, to size the last linear layer. Defaults to 32.
        noise_std: Std of the Gaussian noise on hidden layers in training. Defaults to 0.2.
        dropout_ratio: Dropout probability on hidden layers (1 - keep probability). Defaults to 0.1.
        leaky_relu_slope: Negative slope. Defaults to 0.2.
        batch_norm: BatchNorm after the stride-2 convolutions. Defaults to False.

    Examples:
        >>> import torch
        >>> PixelDADiscriminator()(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 1])
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: Sequence[int] = (64, 128, 256, 512),
        image_size: int = 32,
        noise_std: float = 0.2,
        dropout_ratio: float = 0.1,
        leaky_relu_slope: float = 0.2,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width, side = in_channels, image_size
        for index, out_width in enumerate(channels):
            stride = 1 if index == 0 else 2
            layers.append(nn.Conv2d(width, out_width, kernel_size=3, stride=stride, padding=1))
            if batch_norm and index > 0:
                layers.append(nn.BatchNorm2d(out_width))
            layers += [
                nn.LeakyReLU(leaky_relu_slope, inplace=True),
                nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity(),
                GaussianNoise(noise_std),
            ]
            width = out_width
            side = (side + 2 - 3) // stride + 1
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Linear(width * side * side, 1)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.layers(inputs).flatten(1))
