"""A fully connected domain discriminator on feature vectors (or logits).

ADDA (Tzeng et al., CVPR 2017) discriminates source from target encodings with a 500 -> 500 -> 500
-> 2 MLP with ReLU activations on the 500-d LeNet features; its TensorFlow reference feeds the 10-d
classifier logits instead (``adversary_layers=[500, 500]``, two output classes), and CyCADA's
feature stage uses the same 10 -> 500 -> 500 -> 2 layout on scores.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import DISCRIMINATORS


@DISCRIMINATORS.register_module()
class MLPDiscriminator(nn.Module):
    """``num_layers`` hidden fully connected layers with (leaky) ReLU, then the domain logits.

    The output has ``out_channels`` columns: 1 for a single "target" logit, or 2 for ADDA's two-way
    softmax (column 0 source, column 1 target).

    Args:
        in_channels: Width of the input vectors (500 features, or 10 logits). Defaults to 500.
        hidden_channels: Width of every hidden layer. Defaults to 500.
        num_layers: Number of hidden layers. Defaults to 2 (ADDA's 500-500-500-2).
        out_channels: 1 or 2 domain logits. Defaults to 2.
        leaky_relu_slope: Negative slope of the activations; 0 gives ReLU (ADDA ``--adversary_relu``).
            Defaults to 0.0.

    Examples:
        >>> import torch
        >>> MLPDiscriminator()(torch.zeros(4, 500)).shape
        torch.Size([4, 2])
    """

    def __init__(
        self,
        in_channels: int = 500,
        hidden_channels: int = 500,
        num_layers: int = 2,
        out_channels: int = 2,
        leaky_relu_slope: float = 0.0,
    ) -> None:
        super().__init__()
        if out_channels not in (1, 2):
            raise ValueError(f"MLPDiscriminator: out_channels must be 1 or 2 (domain logits), got {out_channels}")
        layers: list[nn.Module] = []
        width = in_channels
        for _ in range(num_layers):
            layers += [nn.Linear(width, hidden_channels), self._activation(leaky_relu_slope)]
            width = hidden_channels
        layers.append(nn.Linear(width, out_channels))
        self.layers = nn.Sequential(*layers)
        self.out_channels = out_channels

    @staticmethod
    def _activation(slope: float) -> nn.Module:
        return nn.LeakyReLU(slope, inplace=True) if slope > 0 else nn.ReLU(inplace=True)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.layers(inputs.flatten(1))
