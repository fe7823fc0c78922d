"""A linear classification head: features ``N x C`` to class logits ``N x num_classes``.

ADDA's classifier is a single fully connected layer 500 -> 10 on the LeNet features (the PyTorch
port applies dropout before it).
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import HEADS


@HEADS.register_module()
class LinearClsHead(nn.Module):
    """Dropout (optional) and one linear layer from features to class logits.

    Args:
        in_channels: Width of the input features. Defaults to 500 (LeNet).
        num_classes: Number of classes. Defaults to 10 (digits).
        dropout_ratio: Dropout probability applied to the features first. Defaults to 0.0.

    Examples:
        >>> import torch
        >>> LinearClsHead(in_channels=8, num_classes=3)(torch.zeros(2, 8)).shape
        torch.Size([2, 3])
    """

    def __init__(self, in_channels: int = 500, num_classes: int = 10, dropout_ratio: float = 0.0) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(features.flatten(1)))
