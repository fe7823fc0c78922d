"""Multi-layer classification heads: MCD's classifiers and MDD's main and adversarial heads.

* MCD (Saito et al., CVPR 2018; tllib ``ImageClassifierHead``): ``Dropout(0.5) -> Linear(2048, 1024)
  -> BN -> ReLU -> Dropout(0.5) -> Linear(1024, 1024) -> BN -> ReLU -> Linear(1024, C)``: dropout
  *before* each hidden layer, BatchNorm after it (``hidden_channels=(1024, 1024), norm=True,
  dropout_position="before"``).
* MDD (Zhang et al., ICML 2019, official code): ``Linear(b, w) -> ReLU -> Dropout(0.5) -> Linear(w,
  C)`` with weights N(0, 0.01) and zero biases: dropout *after* each hidden activation, no norm
  (``hidden_channels=(w,), norm=False, dropout_position="after", init_std=0.01``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.registry import HEADS

DROPOUT_POSITIONS = ("before", "after")


@HEADS.register_module()
class MLPClsHead(nn.Module):
    """Hidden fully connected layers (optional BN, ReLU, dropout), then the class logits.

    Args:
        in_channels: Width of the input features. Defaults to 2048.
        num_classes: Number of classes. Defaults to 31 (Office-31).
        hidden_channels: Width of each hidden layer. Defaults to (1024, 1024) (MCD).
        norm: BatchNorm1d after each hidden linear layer. Defaults to True (MCD).
        dropout_ratio: Dropout probability; 0 disables dropout. Defaults to 0.5.
        dropout_position: ``"before"`` each hidden linear layer (MCD) or ``"after"`` each hidden
            activation (MDD). Defaults to ``"before"``.
        init_std: If given, every linear weight is initialised N(0, init_std) and every bias 0 (MDD:
            0.01). Defaults to None (PyTorch's default).

    Examples:
        >>> MLPClsHead(in_channels=8, num_classes=3, hidden_channels=(16,))(torch.zeros(2, 8)).shape
        torch.Size([2, 3])
    """

    def __init__(
        self,
        in_channels: int = 2048,
        num_classes: int = 31,
        hidden_channels: Sequence[int] = (1024, 1024),
        norm: bool = True,
        dropout_ratio: float = 0.5,
        dropout_position: str = "before",
        init_std: float | None = None,
    ) -> None:
        super().__init__()
        if dropout_position not in DROPOUT_POSITIONS:
            raise ValueError(
                f"MLPClsHead: dropout_position must be one of {DROPOUT_POSITIONS}, got {dropout_position!r}"
            )
        self.num_classes = num_classes
        layers: list[nn.Module] = []
        width = in_channels
        for hidden in hidden_channels:
            if dropout_ratio > 0 and dropout_position == "before":
                layers.append(nn.Dropout(dropout_ratio))
            layers.append(nn.Linear(width, hidden))
            if norm:
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(nn.ReLU(inplace=True))
            if dropout_ratio > 0 and dropout_position == "after":
                layers.append(nn.Dropout(dropout_ratio))
            width = hidden
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)
        if init_std is not None:
            for layer in self.layers:
                if isinstance(layer, nn.Linear):
                    nn.init.normal_(layer.weight, 0.0, init_std)
                    nn.init.zeros_(layer.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features.flatten(1))
