"""LeNet encoders for 28x28 / 32x32 digits: ADDA's encoder and PixelDA's task network.

* :class:`LeNetEncoder` is the encoder of ADDA (Tzeng et al., CVPR 2017): conv5x5 20 -> maxpool 2 ->
  ReLU -> conv5x5 50 -> (dropout) -> maxpool 2 -> ReLU -> fc 500. ADDA's TensorFlow reference
  (``adda/models/lenet.py``) puts a ReLU after the 500-d fully connected layer and has no dropout;
  the popular PyTorch port adds ``Dropout2d`` after the second convolution and leaves the 500-d
  features linear. Both are switches here.
* :class:`PixelDATaskNet` is a small task classifier for 32x32 colour digits in the manner of the
  MNIST task tower used with PixelDA (Bousmalis et al., CVPR 2017): two 5x5 conv + max-pool stages
  (32 and 64 filters, "same" padding), then a fully connected layer with dropout.

Both return a flat feature vector; a :class:`~dareg.models.heads.LinearClsHead` turns it into logits.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import BACKBONES


def _conv_output_size(size: int, kernel: int, padding: int) -> int:
    return size - kernel + 1 + 2 * padding


@BACKBONES.register_module()
class LeNetEncoder(nn.Module):
    """ADDA's LeNet encoder: two conv/pool stages and a 500-d fully connected layer.

    Args:
        in_channels: Image channels. Defaults to 1 (grey digits).
        image_size: Side of the square input. Defaults to 28 (28 -> 24 -> 12 -> 8 -> 4).
        feat_channels: Width of the output feature vector. Defaults to 500.
        dropout_ratio: ``Dropout2d`` probability after the second convolution (PyTorch port);
            0 disables it (TensorFlow reference). Defaults to 0.5.
        feature_relu: Apply a ReLU to the output features, as the TensorFlow reference does.
            Defaults to True.

    Examples:
        >>> import torch
        >>> LeNetEncoder()(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 500])
    """

    def __init__(
        self,
        in_channels: int = 1,
        image_size: int = 28,
        feat_channels: int = 500,
        dropout_ratio: float = 0.5,
        feature_relu: bool = True,
    ) -> None:
        super().__init__()
        side = _conv_output_size(image_size, 5, 0) // 2
        side = _conv_output_size(side, 5, 0) // 2
        if side < 1:
            raise ValueError(f"LeNetEncoder: image_size={image_size} is too small (needs at least 16)")
        self.out_channels = feat_channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 20, kernel_size=5),
            nn.MaxPool2d(2),
            nn.ReLU(inplace=True),
            nn.Conv2d(20, 50, kernel_size=5),
            nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else nn.Identity(),
            nn.MaxPool2d(2),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(50 * side * side, feat_channels)
        self.feature_relu = feature_relu

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        features = self.fc(self.features(inputs).flatten(1))
        return torch.relu(features) if self.feature_relu else features


@BACKBONES.register_module()
class PixelDATaskNet(nn.Module):
    """A small conv classifier trunk for 32x32 colour digits (PixelDA's MNIST task tower).

    conv5x5 32 -> ReLU -> maxpool 2 -> conv5x5 64 -> ReLU -> maxpool 2 -> fc ``feat_channels`` ->
    ReLU -> dropout, with "same" padding.

    Args:
        in_channels: Image channels. Defaults to 3.
        image_size: Side of the square input. Defaults to 32.
        feat_channels: Width of the output feature vector. Defaults to 512.
        dropout_ratio: Dropout probability on the features. Defaults to 0.5.

    Examples:
        >>> import torch
        >>> PixelDATaskNet()(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 512])
    """

    def __init__(
        self, in_channels: int = 3, image_size: int = 32, feat_channels: int = 512, dropout_ratio: float = 0.5
    ) -> None:
        super().__init__()
        side = image_size // 2 // 2
        if side < 1:
            raise ValueError(f"PixelDATaskNet: image_size={image_size} is too small (needs at least 4)")
        self.out_channels = feat_channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Sequential(
            nn.Linear(64 * side * side, feat_channels), nn.ReLU(inplace=True), nn.Dropout(dropout_ratio)
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(inputs).flatten(1))
