"""What a domain discriminator is trained on and scored by in DANN and CDAN: its labels and accuracy.

Both references (tllib ``DomainAdversarialLoss`` and ``ConditionalDomainAdversarialLoss``, official
``thuml/CDAN``) put the source rows first, labelled 1, and the target rows after them, labelled 0,
with one logit per sample.
"""

from __future__ import annotations

import torch


def domain_labels(num_source: int, num_target: int, like: torch.Tensor) -> torch.Tensor:
    """1 for each source sample, then 0 for each target sample, shaped ``N x 1`` like ``like``.

    Examples:
        >>> domain_labels(2, 1, torch.zeros(3, 1)).flatten().tolist()
        [1.0, 1.0, 0.0]
    """
    return torch.cat([like.new_ones(num_source, 1), like.new_zeros(num_target, 1)])


def domain_accuracy(domain_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Percentage of samples whose logit puts them in their domain (``logit >= 0`` means source)."""
    with torch.no_grad():
        return ((domain_logits >= 0).float() == labels).float().mean() * 100.0
