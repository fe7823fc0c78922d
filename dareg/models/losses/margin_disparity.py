"""MDD's margin disparity discrepancy loss (Zhang et al., "Bridging Theory and Algorithm for Domain
Adaptation", ICML 2019).

With ``yhat`` the argmax of the main head and ``adv`` the adversarial head's logits (tllib
``ClassificationMarginDisparityDiscrepancy``, official ``MDD`` code), the transfer loss is::

    gamma * CE(adv(f_s), yhat_s) - mean log(1 - softmax(adv(f_t))[yhat_t])

The adversarial head minimises it (agree with the main head on source, disagree on target); the
features, behind a gradient reversal layer, maximise it. ``gamma`` is the margin (official: 4 for
Office-31, 2 for Office-Home). The logarithm's argument is ``min(1 - p + 1e-6, 1)`` (tllib's
``shift_log``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dareg.registry import LOSSES


@LOSSES.register_module()
class MarginDisparityLoss(nn.Module):
    """``margin * CE(adv_s, yhat_s) - mean log(1 - softmax(adv_t)[yhat_t])``, ``yhat`` = main argmax.

    Args:
        margin: The margin ``gamma``. Defaults to 4.0.
        eps: Shift inside the target logarithm. Defaults to 1e-6.

    Examples:
        >>> loss = MarginDisparityLoss(margin=2.0)
        >>> y = torch.tensor([[2.0, 0.0]])
        >>> round(float(loss(y, torch.zeros(1, 2), y, torch.zeros(1, 2))), 4)  # 2 log 2 - log(0.5 + 1e-6)
        2.0794
    """

    def __init__(self, margin: float = 4.0, eps: float = 1e-6) -> None:
        super().__init__()
        self.margin = margin
        self.eps = eps

    def forward(
        self,
        logits_source: torch.Tensor,
        adversarial_source: torch.Tensor,
        logits_target: torch.Tensor,
        adversarial_target: torch.Tensor,
    ) -> torch.Tensor:
        predicted_source = logits_source.detach().argmax(dim=1)
        predicted_target = logits_target.detach().argmax(dim=1)
        source_disparity = F.cross_entropy(adversarial_source, predicted_source)
        disagreement = 1.0 - F.softmax(adversarial_target, dim=1)
        log_disagreement = torch.log(torch.clamp(disagreement + self.eps, max=1.0))
        target_disparity = F.nll_loss(log_disagreement, predicted_target)  # = -mean log(1 - p[yhat])
        return self.margin * source_disparity + target_disparity
