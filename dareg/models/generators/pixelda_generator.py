"""PixelDA's noise-conditioned residual generator (Bousmalis et al., CVPR 2017).

Facts from the reference implementation (``pixel_domain_adaptation``): a 10-d noise vector drawn
uniformly from [-1, 1] is projected by a linear layer to one H x W channel that is concatenated to
the source image (``noise_channel=True``, ``noise_dims=10``); a 3x3 convolution with 64 filters and
ReLU; 6 residual blocks (conv-BN-ReLU-conv-BN plus the block input); a 3x3 convolution to the output
channels; tanh. A widely used PyTorch port instead maps the noise to a full image-shaped map (one
channel per image channel), which ``noise_mode="image"`` reproduces.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import GENERATORS

NOISE_MODES = ("channel", "image")


class ResidualBlock(nn.Module):
    """conv3x3 -> BN -> ReLU -> conv3x3 -> BN, added to the input.

    Args:
        channels: Width of the block. Defaults to 64.
    """

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return inputs + self.body(inputs)


@GENERATORS.register_module()
class PixelDAGenerator(nn.Module):
    """Translate a source image and a noise vector into an image of the target domain.

    ``forward(images, noise=None)`` draws ``noise`` uniformly from [-1, 1] when not given. The output
    has ``out_channels`` channels, the input's spatial size and values in [-1, 1].

    Args:
        in_channels: Channels of the source image. Defaults to 3.
        out_channels: Channels of the output image. Defaults to None (= ``in_channels``).
        noise_dim: Size of the noise vector; 0 disables the noise. Defaults to 10.
        noise_mode: ``"channel"`` (reference: noise -> one H x W channel) or ``"image"`` (port: noise
            -> ``in_channels`` H x W channels). Defaults to ``"channel"``.
        num_res_blocks: Number of residual blocks. Defaults to 6.
        base_channels: Width of the convolutions. Defaults to 64.
        image_size: Side of the square input (the noise projection's size). Defaults to 32.

    Examples:
        >>> import torch
        >>> generator = PixelDAGenerator(num_res_blocks=1, base_channels=8).eval()
        >>> generator(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int | None = None,
        noise_dim: int = 10,
        noise_mode: str = "channel",
        num_res_blocks: int = 6,
        base_channels: int = 64,
        image_size: int = 32,
    ) -> None:
        super().__init__()
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"PixelDAGenerator: noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        self.noise_dim = noise_dim
        self.image_size = image_size
        self.noise_channels = 0 if noise_dim == 0 else (1 if noise_mode == "channel" else in_channels)
        if self.noise_channels:
            self.noise_projection = nn.Linear(noise_dim, self.noise_channels * image_size * image_size)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels + self.noise_channels, base_channels, 3, padding=1), nn.ReLU(inplace=True)
        )
        self.blocks = nn.Sequential(*[ResidualBlock(base_channels) for _ in range(num_res_blocks)])
        self.to_image = nn.Conv2d(base_channels, out_channels or in_channels, 3, padding=1)

    def sample_noise(self, batch_size: int, device: torch.device | None = None) -> torch.Tensor:
        """Noise vectors drawn uniformly from [-1, 1], ``batch_size x noise_dim``."""
        return torch.rand(batch_size, self.noise_dim, device=device) * 2.0 - 1.0

    def forward(self, images: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        inputs = images
        if self.noise_channels:
            if noise is None:
                noise = self.sample_noise(images.shape[0], images.device)
            side = self.image_size
            if images.shape[-2:] != (side, side):
                raise ValueError(
                    f"PixelDAGenerator was built for {side}x{side} images (image_size) but got "
                    f"{tuple(images.shape[-2:])}: set image_size to the input size."
                )
            noise_map = self.noise_projection(noise).view(-1, self.noise_channels, side, side)
            inputs = torch.cat([images, noise_map], dim=1)
        return torch.tanh(self.to_image(self.blocks(self.stem(inputs))))
