"""The CycleGAN ResNet generator (Zhu et al., ICCV 2017; Johnson et al., ECCV 2016).

Reference facts (junyanz/pytorch-CycleGAN-and-pix2pix, ``networks.ResnetGenerator``):
reflect-pad 3, conv7x7 ``base_channels``, norm, ReLU; two stride-2 conv3x3 (x2 channels each), norm,
ReLU; ``num_blocks`` residual blocks (9 for 256px, 6 for 128px), each pad-conv3x3-norm-ReLU-
(dropout 0.5)-pad-conv3x3-norm plus the identity; two transposed conv3x3 (stride 2, padding 1,
output padding 1), norm, ReLU; reflect-pad 3, conv7x7 to ``out_channels`` (with bias); tanh.

The layers live in one ``nn.Sequential`` called ``model`` with the reference's indices (residual
blocks as ``model.N.conv_block.M``), so the reference's ``latest_net_G_A.pth`` state dicts load
directly (see ``dareg.models.utils.reference_checkpoints``).
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.utils.init import init_gan_weights
from dareg.models.utils.norm import build_norm_2d, conv_bias
from dareg.registry import GENERATORS

PADDING_MODES = ("reflect", "replicate", "zeros")


def _padded_conv3x3(channels: int, padding_mode: str, bias: bool) -> list[nn.Module]:
    if padding_mode == "reflect":
        return [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, padding=0, bias=bias)]
    if padding_mode == "replicate":
        return [nn.ReplicationPad2d(1), nn.Conv2d(channels, channels, 3, padding=0, bias=bias)]
    return [nn.Conv2d(channels, channels, 3, padding=1, bias=bias)]


class ResnetBlock(nn.Module):
    """Residual block ``x + conv_block(x)`` of the CycleGAN generator.

    Args:
        channels: Input and output channels.
        norm: ``"instance"``, ``"batch"`` or ``"none"``. Defaults to ``"instance"``.
        use_dropout: Dropout 0.5 between the two convolutions. Defaults to False.
        padding_mode: ``"reflect"``, ``"replicate"`` or ``"zeros"``. Defaults to ``"reflect"``.
    """

    def __init__(self, channels: int, norm: str = "instance", use_dropout: bool = False, padding_mode: str = "reflect"):
        super().__init__()
        bias = conv_bias(norm)
        layers = _padded_conv3x3(channels, padding_mode, bias) + [build_norm_2d(norm, channels), nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += _padded_conv3x3(channels, padding_mode, bias) + [build_norm_2d(norm, channels)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


@GENERATORS.register_module()
class ResnetGenerator(nn.Module):
    """CycleGAN's encoder / residual blocks / decoder generator, output in [-1, 1].

    Height and width of the input must be multiples of 4 (two stride-2 stages).

    Args:
        in_channels: Input image channels. Defaults to 3.
        out_channels: Output image channels. Defaults to 3.
        base_channels: Channels of the first convolution (``ngf``). Defaults to 64.
        num_blocks: Residual blocks: 9 for 256x256 images, 6 for 128x128. Defaults to 9.
        norm: ``"instance"`` (no affine, no running statistics), ``"batch"`` or ``"none"``.
            Defaults to ``"instance"``.
        use_dropout: Dropout 0.5 inside the residual blocks. Defaults to False.
        padding_mode: Padding of the residual blocks' convolutions (``"reflect"``,
            ``"replicate"``, ``"zeros"``). Defaults to ``"reflect"``.
        init_type: Weight initialisation (see :func:`~dareg.models.utils.init.init_gan_weights`),
            None for PyTorch's default. Defaults to ``"normal"``.
        init_gain: Std / gain of the initialisation. Defaults to 0.02.

    Examples:
        >>> net = ResnetGenerator(base_channels=8, num_blocks=2)
        >>> out = net(torch.randn(1, 3, 32, 32))
        >>> tuple(out.shape), bool(out.abs().max() <= 1)
        ((1, 3, 32, 32), True)
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        base_channels: int = 64,
        num_blocks: int = 9,
        norm: str = "instance",
        use_dropout: bool = False,
        padding_mode: str = "reflect",
        init_type: str | None = "normal",
        init_gain: float = 0.02,
    ) -> None:
        super().__init__()
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"ResnetGenerator: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        if num_blocks < 0:
            raise ValueError(f"ResnetGenerator: num_blocks must be >= 0, got {num_blocks}")
        bias = conv_bias(norm)
        channels = base_channels
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, channels, 7, padding=0, bias=bias),
            build_norm_2d(norm, channels),
            nn.ReLU(True),
        ]
        for _ in range(2):  # downsampling
            layers += [
                nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1, bias=bias),
                build_norm_2d(norm, channels * 2),
                nn.ReLU(True),
            ]
            channels *= 2
        layers += [ResnetBlock(channels, norm, use_dropout, padding_mode) for _ in range(num_blocks)]
        for _ in range(2):  # upsampling
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                build_norm_2d(norm, channels // 2),
                nn.ReLU(True),
            ]
            channels //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, out_channels, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        self.in_channels, self.out_channels = in_channels, out_channels
        init_gan_weights(self, init_type, init_gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
