"""The DiscoGAN encoder-decoder generator (Kim et al., ICML 2017).

Reference facts (SKTBrain/DiscoGAN, ``model.Generator``): four conv4/2 (64, 128, 256, 512, no bias),
LeakyReLU 0.2, BatchNorm from the second; four transposed conv4/2 back (256, 128, 64, out, no bias),
BatchNorm + ReLU after each but the last; sigmoid output (images in [0, 1]). A tanh output (images
in [-1, 1]) is offered as a switch. 64x64 images give a 4x4 bottleneck. The reference keeps
PyTorch's default initialisation.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.utils.init import init_gan_weights
from dareg.registry import GENERATORS

OUTPUT_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


@GENERATORS.register_module()
class DiscoGANGenerator(nn.Module):
    """DiscoGAN's image-to-image encoder-decoder.

    Height and width must be multiples of 16.

    Args:
        in_channels: Input image channels. Defaults to 3.
        out_channels: Output image channels. Defaults to 3.
        base_channels: Channels of the first convolution (x2 per level). Defaults to 64.
        output_activation: ``"sigmoid"`` (reference, [0, 1]) or ``"tanh"`` ([-1, 1]).
            Defaults to ``"sigmoid"``.
        init_type: Weight initialisation, None for PyTorch's default (reference). Defaults to None.
        init_gain: Std / gain of the initialisation. Defaults to 0.02.

    Examples:
        >>> out = DiscoGANGenerator(base_channels=8)(torch.randn(2, 3, 64, 64))
        >>> tuple(out.shape), bool((out >= 0).all() and (out <= 1).all())
        ((2, 3, 64, 64), True)
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        base_channels: int = 64,
        output_activation: str = "sigmoid",
        init_type: str | None = None,
        init_gain: float = 0.02,
    ) -> None:
        super().__init__()
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"DiscoGANGenerator: output_activation must be one of {sorted(OUTPUT_ACTIVATIONS)}, "
                f"got {output_activation!r}"
            )
        c = base_channels
        widths = [c, c * 2, c * 4, c * 8]
        layers: list[nn.Module] = [nn.Conv2d(in_channels, c, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for prev, width in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(prev, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.LeakyReLU(0.2, True)]
        for prev, width in zip(widths[::-1][:-1], widths[::-1][1:]):
            layers += [nn.ConvTranspose2d(prev, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(c, out_channels, 4, 2, 1, bias=False), OUTPUT_ACTIVATIONS[output_activation]()]
        self.main = nn.Sequential(*layers)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.output_activation = output_activation
        init_gan_weights(self, init_type, init_gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)
