"""The n-layer PatchGAN discriminator (Isola et al., CVPR 2017; used by CycleGAN).

Reference facts (junyanz/pytorch-CycleGAN-and-pix2pix, ``networks.NLayerDiscriminator``): conv4/2
``base_channels`` + LeakyReLU 0.2 (no norm); ``num_layers - 1`` conv4/2 with channels x2 (capped at
x8), norm, LeakyReLU; one conv4/1 (x2, capped at x8), norm, LeakyReLU; conv4/1 to one channel. All
paddings 1; convolutions before InstanceNorm keep their bias. With ``num_layers=3`` each output
logit sees a 70x70 patch and a 256x256 image gives a 30x30 map. The layers live in ``model`` with
the reference's indices, so its ``latest_net_D_A.pth`` state dicts load directly.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.models.utils.init import init_gan_weights
from dareg.models.utils.norm import build_norm_2d, conv_bias
from dareg.registry import DISCRIMINATORS


@DISCRIMINATORS.register_module()
class PatchDiscriminator(nn.Module):
    """Fully convolutional discriminator returning one logit per image patch (``N x 1 x h x w``).

    Args:
        in_channels: Input image channels. Defaults to 3.
        base_channels: Channels of the first convolution (``ndf``). Defaults to 64.
        num_layers: Stride-2 convolutions (3 gives 70x70 patches). Defaults to 3.
        norm: ``"instance"`` (CycleGAN), ``"batch"`` (pix2pix) or ``"none"``. Defaults to
            ``"instance"``.
        init_type: Weight initialisation, None for PyTorch's default. Defaults to ``"normal"``.
        init_gain: Std / gain of the initialisation. Defaults to 0.02.

    Examples:
        >>> net = PatchDiscriminator(base_channels=8)
        >>> tuple(net(torch.randn(1, 3, 64, 64)).shape)
        (1, 1, 6, 6)
    """

    def __init__(
        self,
        in_channels: int = 3,
        base_channels: int = 64,
        num_layers: int = 3,
        norm: str = "instance",
        init_type: str | None = "normal",
        init_gain: float = 0.02,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"PatchDiscriminator: num_layers must be >= 1, got {num_layers}")
        bias = conv_bias(norm)
        layers: list[nn.Module] = [nn.Conv2d(in_channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, num_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < num_layers else 1
            layers += [
                nn.Conv2d(base_channels * prev, base_channels * mult, 4, stride, 1, bias=bias),
                build_norm_2d(norm, base_channels * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(base_channels * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        init_gan_weights(self, init_type, init_gain)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
