"""The domain discriminator of DANN and CDAN on feature vectors (or CDAN's multilinear map).

Transfer-Learning-Library ``DomainDiscriminator`` (its default, ``batch_norm=True``):
``Linear(in, 1024) -> BN -> ReLU -> Linear(1024, 1024) -> BN -> ReLU -> Linear(1024, 1)`` and a
sigmoid. The variant of the official CDAN code (``AdversarialNetwork``), suggested when the
discriminator wins too easily, replaces each BatchNorm by ``ReLU -> Dropout(0.5)``:
``Linear -> ReLU -> Dropout -> Linear -> ReLU -> Dropout -> Linear``. Here the output is the logit
(the sigmoid lives in the loss, ``binary_cross_entropy_with_logits``, which is the same function and
numerically safer).
"""

from __future__ import annotations

import torch
from torch import nn

from dareg.registry import DISCRIMINATORS

NORMS = ("bn", "dropout")


@DISCRIMINATORS.register_module()
class DomainDiscriminator(nn.Module):
    """Two hidden layers (BN + ReLU, or ReLU + dropout), then one domain logit per sample.

    Args:
        in_channels: Width of the input vectors (256 bottleneck features; ``256 * C`` or 1024 for
            CDAN). Defaults to 256.
        hidden_channels: Width of both hidden layers. Defaults to 1024.
        norm: ``"bn"`` (tllib, default) or ``"dropout"`` (official CDAN code).
        dropout_ratio: Dropout probability of the ``"dropout"`` variant. Defaults to 0.5.

    Examples:
        >>> DomainDiscriminator(in_channels=8, hidden_channels=16)(torch.zeros(4, 8)).shape
        torch.Size([4, 1])
    """

    def __init__(
        self, in_channels: int = 256, hidden_channels: int = 1024, norm: str = "bn", dropout_ratio: float = 0.5
    ) -> None:
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"DomainDiscriminator: norm must be one of {NORMS}, got {norm!r}")
        layers: list[nn.Module] = []
        width = in_channels
        for _ in range(2):
            layers.append(nn.Linear(width, hidden_channels))
            if norm == "bn":
                layers += [nn.BatchNorm1d(hidden_channels), nn.ReLU(inplace=True)]
            else:
                layers += [nn.ReLU(inplace=True), nn.Dropout(dropout_ratio)]
            width = hidden_channels
        layers.append(nn.Linear(width, 1))
        self.layers = nn.Sequential(*layers)
        self.norm = norm

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.layers(inputs.flatten(1))
