"""CDAN's conditioning of the domain discriminator (Long et al., NeurIPS 2018).

* :class:`MultilinearMap`: ``T(f, g) = flatten(g outer f)``, the joint of features ``f`` (``N x F``)
  and class probabilities ``g`` (``N x C``), ``N x (C * F)``; entry ``c * F + j`` is ``g_c f_j``.
* :class:`RandomizedMultilinearMap`: ``(f R_f) * (g R_g) / sqrt(d)`` with fixed Gaussian ``R_f``
  (``F x d``) and ``R_g`` (``C x d``), an unbiased estimate of the multilinear map's inner products
  (``E <T(f, g), T(f', g')> = <f, f'> <g, g'>``) in ``d`` dimensions (paper: d = 1024; official code
  ``--random``, 500 for digits). The matrices are persistent buffers: they are part of the
  ``state_dict``, so a resumed run and an evaluation use the matrices the discriminator was trained
  on (tllib keeps them as plain tensor attributes, which a reload redraws).
* :class:`EntropyConditioning` (CDAN+E): per-sample weights ``w = 1 + exp(-H(g))`` with
  ``H(g) = -sum_c g_c log(g_c + 1e-5)``, which favour confident predictions. Two normalisations:

  - ``"official"`` (the authors' code, ``loss.CDAN``): the entropy is not detached, a reversed
    gradient (the reversal coefficient) flows into it; the weights are normalised per domain
    (``w_s / sum w_s + w_t / sum w_t``, sums detached) and the loss is ``sum(w BCE) / sum(w)``.
  - ``"tllib"`` (Transfer-Learning-Library ``ConditionalDomainAdversarialLoss``): the weights are
    computed from detached probabilities and normalised over the whole batch of both domains.

  Either way :meth:`EntropyConditioning.forward` returns weights that sum to 1, so the conditioned
  loss is ``sum(weights * per_sample_bce)``; ``mode=None`` gives uniform weights (plain CDAN).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dareg.models.utils.gradient_reversal import reverse_gradient
from dareg.registry import MODELS

ENTROPY_MODES = ("official", "tllib")


@MODELS.register_module()
class MultilinearMap(nn.Module):
    """``flatten(g outer f)``: ``N x F`` features and ``N x C`` probabilities to ``N x (C * F)``.

    Examples:
        >>> MultilinearMap()(torch.ones(2, 3), torch.ones(2, 4)).shape
        torch.Size([2, 12])
    """

    def forward(self, features: torch.Tensor, probabilities: torch.Tensor) -> torch.Tensor:
        return torch.bmm(probabilities.unsqueeze(2), features.unsqueeze(1)).flatten(1)


@MODELS.register_module()
class RandomizedMultilinearMap(nn.Module):
    """``(f R_f) * (g R_g) / sqrt(output_dim)`` with fixed standard Gaussian ``R_f``, ``R_g``.

    Args:
        features_dim: Width ``F`` of the features.
        num_classes: Number of classes ``C``.
        output_dim: Output width ``d``. Defaults to 1024 (paper).

    Examples:
        >>> RandomizedMultilinearMap(features_dim=3, num_classes=4, output_dim=8)(
        ...     torch.ones(2, 3), torch.ones(2, 4)).shape
        torch.Size([2, 8])
    """

    def __init__(self, features_dim: int, num_classes: int, output_dim: int = 1024) -> None:
        super().__init__()
        self.output_dim = output_dim
        # buffers: saved in checkpoints, moved with the model, never trained
        self.register_buffer("random_features", torch.randn(features_dim, output_dim))
        self.register_buffer("random_probabilities", torch.randn(num_classes, output_dim))

    def forward(self, features: torch.Tensor, probabilities: torch.Tensor) -> torch.Tensor:
        projected_features = features @ self.random_features.to(features.dtype)
        projected_probabilities = probabilities @ self.random_probabilities.to(probabilities.dtype)
        return projected_features * projected_probabilities / math.sqrt(self.output_dim)


def prediction_entropy(probabilities: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Per-sample entropy ``-sum_c p_c log(p_c + eps)`` of ``N x C`` probabilities (CDAN's ``Entropy``)."""
    return -(probabilities * torch.log(probabilities + eps)).sum(dim=1)


@MODELS.register_module()
class EntropyConditioning(nn.Module):
    """CDAN+E's per-sample weights of the domain loss, normalised to sum to 1.

    ``weights = conditioning(probabilities, num_source, coeff)`` for a batch whose first
    ``num_source`` rows are source samples; the conditioned domain loss is
    ``(weights * per_sample_bce).sum()``.

    Args:
        mode: ``"official"`` (authors' code, default), ``"tllib"`` or None (uniform weights: CDAN
            without entropy conditioning).
        eps: Inside the logarithm of the entropy. Defaults to 1e-5.

    Examples:
        >>> p = torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
        >>> EntropyConditioning(mode=None)(p, num_source=2)
        tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """

    def __init__(self, mode: str | None = "official", eps: float = 1e-5) -> None:
        super().__init__()
        if mode is not None and mode not in ENTROPY_MODES:
            raise ValueError(f"EntropyConditioning: mode must be one of {ENTROPY_MODES} or None, got {mode!r}")
        self.mode = mode
        self.eps = eps

    def forward(self, probabilities: torch.Tensor, num_source: int, coeff: float = 1.0) -> torch.Tensor:
        batch = probabilities.shape[0]
        if self.mode is None:
            return probabilities.new_full((batch,), 1.0 / batch)
        if self.mode == "tllib":
            weights = 1.0 + torch.exp(-prediction_entropy(probabilities.detach(), self.eps))
            return weights / weights.sum()
        # official: the entropy receives the reversed gradient of the domain loss
        entropy = reverse_gradient(prediction_entropy(probabilities, self.eps), coeff)
        weights = 1.0 + torch.exp(-entropy)
        source, target = weights[:num_source], weights[num_source:]
        weights = torch.cat([source / source.sum().detach(), target / target.sum().detach()])
        return weights / weights.sum().detach()

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"
