"""Feature matching on discriminator activations (Salimans et al., 2016; DiscoGAN's reference).

Reference facts (SKTBrain/DiscoGAN, ``get_fm_loss``): for each returned discriminator layer, the
batch means of the real and of the generated activations are compared by their squared difference,
averaged over the remaining elements (a ``HingeEmbeddingLoss`` against target 1, which is the plain
mean), and the layers are summed. The generator's total loss there is ``0.1 * GAN + 0.9 * FM``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dareg.registry import LOSSES


@LOSSES.register_module()
class FeatureMatchingLoss(nn.Module):
    """``loss_weight * sum_l mean((mean_n real_l - mean_n fake_l) ** 2)`` over discriminator layers.

    Call as ``loss(real_features, fake_features)`` with lists of tensors of matching shapes; the
    real features are treated as constants.

    Args:
        loss_weight: Multiplier. Defaults to 1.0.

    Examples:
        >>> loss = FeatureMatchingLoss()
        >>> real = [torch.tensor([[1.0, 3.0], [3.0, 5.0]])]  # batch mean [2, 4]
        >>> fake = [torch.tensor([[0.0, 4.0], [0.0, 4.0]])]  # batch mean [0, 4]
        >>> float(loss(real, fake))  # ((2 - 0)^2 + (4 - 4)^2) / 2
        2.0
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, real_features: Sequence[torch.Tensor], fake_features: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(real_features) != len(fake_features) or not real_features:
            raise ValueError(
                f"FeatureMatchingLoss needs the same non-zero number of real and fake feature maps, got "
                f"{len(real_features)} and {len(fake_features)}"
            )
        total = fake_features[0].new_zeros(())
        for real, fake in zip(real_features, fake_features):
            difference = real.detach().mean(0) - fake.mean(0)
            total = total + (difference * difference).mean()
        return self.loss_weight * total
