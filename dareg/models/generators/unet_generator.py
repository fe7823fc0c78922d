"""The pix2pix U-Net generator (Isola et al., CVPR 2017), also offered by CycleGAN's reference.

Reference facts (junyanz/pytorch-CycleGAN-and-pix2pix, ``networks.UnetGenerator``): ``num_downs``
stride-2 conv4x4 downsamplings (8 for 256x256, bottleneck 1x1) built recursively from the innermost
block outwards. Channels ``base_channels`` -> x2 -> x4 -> x8 (then x8 for the inner blocks). Each
block is LeakyReLU(0.2) - conv4/2 - norm - [inner block] - ReLU - transposed conv4/2 - norm, and
concatenates its input to its output (skip connection); the innermost block has no norm on the way
down, the outermost no activation before its first conv and a tanh after its last; dropout 0.5
after the inner x8 blocks when ``use_dropout``. The reference's in-place LeakyReLU also rectifies
the skip-connected input: kept here so that reference weights give the reference's outputs. The
module layout (``model.model.1.model.3...``) matches the reference's state-dict keys.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.utils.init import init_gan_weights
from dareg.models.utils.norm import build_norm_2d, conv_bias
from dareg.registry import GENERATORS


class UnetSkipConnectionBlock(nn.Module):
    """One level of the U-Net: down, the inner levels, up, and the skip connection.

    Args:
        outer_channels: Channels this block outputs (before the concatenation).
        inner_channels: Channels of its downsampled features.
        in_channels: Input channels. Defaults to ``outer_channels``.
        submodule: The next inner block. Defaults to None (innermost).
        outermost: The outermost block (no skip, tanh output). Defaults to False.
        innermost: The bottleneck block. Defaults to False.
        norm: ``"batch"``, ``"instance"`` or ``"none"``. Defaults to ``"batch"``.
        use_dropout: Dropout 0.5 at the end of the block. Defaults to False.
    """

    def __init__(
        self,
        outer_channels: int,
        inner_channels: int,
        in_channels: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        norm: str = "batch",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        self.outermost = outermost
        bias = conv_bias(norm)
        in_channels = outer_channels if in_channels is None else in_channels
        down_conv = nn.Conv2d(in_channels, inner_channels, 4, stride=2, padding=1, bias=bias)
        if outermost:
            up_conv = nn.ConvTranspose2d(inner_channels * 2, outer_channels, 4, stride=2, padding=1)
            layers = [down_conv, submodule, nn.ReLU(True), up_conv, nn.Tanh()]
        elif innermost:
            up_conv = nn.ConvTranspose2d(inner_channels, outer_channels, 4, stride=2, padding=1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down_conv, nn.ReLU(True), up_conv, build_norm_2d(norm, outer_channels)]
        else:
            up_conv = nn.ConvTranspose2d(inner_channels * 2, outer_channels, 4, stride=2, padding=1, bias=bias)
            layers = [
                nn.LeakyReLU(0.2, True),
                down_conv,
                build_norm_2d(norm, inner_channels),
                submodule,
                nn.ReLU(True),
                up_conv,
                build_norm_2d(norm, outer_channels),
            ]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


@GENERATORS.register_module()
class UnetGenerator(nn.Module):
    """pix2pix U-Net generator, output in [-1, 1].

    Height and width must be multiples of ``2 ** num_downs`` (256 for the default 8).

    Args:
        in_channels: Input image channels. Defaults to 3.
        out_channels: Output image channels. Defaults to 3.
        num_downs: Number of downsamplings (>= 5). Defaults to 8.
        base_channels: Channels of the outermost level (``ngf``). Defaults to 64.
        norm: ``"batch"`` (pix2pix's default), ``"instance"`` or ``"none"``. InstanceNorm fails on
            the 1x1 bottleneck; use it only with inputs larger than ``2 ** num_downs``.
            Defaults to ``"batch"``.
        use_dropout: Dropout 0.5 in the inner x8 blocks. Defaults to False.
        init_type: Weight initialisation, None for PyTorch's default. Defaults to ``"normal"``.
        init_gain: Std / gain of the initialisation. Defaults to 0.02.

    Examples:
        >>> net = UnetGenerator(num_downs=5, base_channels=4)
        >>> tuple(net(torch.randn(2, 3, 32, 32)).shape)
        (2, 3, 32, 32)
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        num_downs: int = 8,
        base_channels: int = 64,
        norm: str = "batch",
        use_dropout: bool = False,
        init_type: str | None = "normal",
        init_gain: float = 0.02,
    ) -> None:
        super().__init__()
        if num_downs < 5:
            raise ValueError(f"UnetGenerator: num_downs must be >= 5 (four fixed levels + bottleneck), got {num_downs}")
        c = base_channels
        block = UnetSkipConnectionBlock(c * 8, c * 8, norm=norm, innermost=True)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(c * 8, c * 8, submodule=block, norm=norm, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(c * 4, c * 8, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(c * 2, c * 4, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(c, c * 2, submodule=block, norm=norm)
        self.model = UnetSkipConnectionBlock(out_channels, c, in_channels, submodule=block, outermost=True, norm=norm)
        self.num_downs = num_downs
        self.in_channels, self.out_channels = in_channels, out_channels
        init_gan_weights(self, init_type, init_gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        divisor = 2**self.num_downs
        if x.shape[-2] % divisor or x.shape[-1] % divisor:
            raise ValueError(
                f"UnetGenerator(num_downs={self.num_downs}) needs height and width divisible by {divisor}, "
                f"got {tuple(x.shape[-2:])}: crop or resize the images, or lower num_downs."
            )
        return self.model(x)
