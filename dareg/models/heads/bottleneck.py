"""The bottleneck between a pooled backbone and the classifier of feature-level adaptation methods.

Transfer-Learning-Library (``tllib``) puts ``Linear(2048, 256) -> BatchNorm1d -> ReLU`` between the
ResNet's pooled features and the classifier for DANN and CDAN; the official CDAN code uses a plain
``Linear(2048, 256)``; MDD adds ``Dropout(0.5)`` and initialises the linear layer with N(0, 0.005)
weights and 0.1 biases (Zhang et al., ICML 2019, official code). The domain discriminator (or MDD's
adversarial head) sees the bottleneck's output.
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import HEADS


@HEADS.register_module()
class Bottleneck(nn.Module):
    """``Linear -> [BatchNorm1d] -> [ReLU] -> [Dropout]``: features ``N x in`` to ``N x out``.

    Registered with the heads: it maps features to features, between the backbone and the head.

    Args:
        in_channels: Width of the backbone features. Defaults to 2048 (ResNet-50/101).
        out_channels: Width of the bottleneck. Defaults to 256 (DANN, CDAN).
        norm: Apply BatchNorm1d. Defaults to True (tllib).
        activation: Apply ReLU. Defaults to True (tllib).
        dropout_ratio: Dropout probability at the end; 0 disables it. Defaults to 0.0 (MDD: 0.5).
        init_std: If given, the linear weight is initialised N(0, init_std) (MDD: 0.005). Defaults to
            None (PyTorch's default initialisation).
        init_bias: If given (with ``init_std``), the linear bias is filled with it (MDD: 0.1).
            Defaults to None (0 when ``init_std`` is given).

    Examples:
        >>> Bottleneck(in_channels=8, out_channels=4)(torch.zeros(2, 8)).shape
        torch.Size([2, 4])
    """

    def __init__(
        self,
        in_channels: int = 2048,
        out_channels: int = 256,
        norm: bool = True,
        activation: bool = True,
        dropout_ratio: float = 0.0,
        init_std: float | None = None,
        init_bias: float | None = None,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        fc = nn.Linear(in_channels, out_channels)
        layers: list[nn.Module] = [fc]
        if norm:
            layers.append(nn.BatchNorm1d(out_channels))
        if activation:
            layers.append(nn.ReLU(inplace=True))
        if dropout_ratio > 0:
            layers.append(nn.Dropout(dropout_ratio))
        self.layers = nn.Sequential(*layers)
        if init_std is not None:
            nn.init.normal_(fc.weight, 0.0, init_std)
            nn.init.constant_(fc.bias, 0.0 if init_bias is None else init_bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features.flatten(1))
