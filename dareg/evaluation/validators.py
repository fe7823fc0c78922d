"""Unsupervised validators: scores that pick checkpoints without target labels.

In unsupervised domain adaptation the target labels that would pick the best checkpoint are not
available; the model-selection literature proposes scores computed from unlabelled target data (and
labelled *source* data) instead. The formulas follow pytorch-adapt's validators (Musgrave et al.,
"Benchmarking Validation Methods for Unsupervised Domain Adaptation", 2022); every score is
**higher is better**:

* **IM** (information maximisation; Shi & Sha 2012, used by SHOT): ``-mean_i H(p_i) + H(mean_i p_i)``
  with ``p`` the softmax of the target logits: confident predictions that still use every class.
* **SND** (soft neighbourhood density; Saito et al., ICCV 2021): the cosine-similarity matrix of the
  target softmax predictions without its diagonal, each row turned into a distribution by
  ``softmax(S / temperature)`` (temperature 0.05), score = the mean row entropy.
* **DEV** (deep embedded validation; You et al., ICML 2019): a domain classifier on features (source
  training split 1, target training split 0) gives importance weights
  ``w = P(t|x) / P(s|x) * N_s / N_t`` on the source validation split; with ``l`` the per-sample
  cross-entropy there, ``eta = -Cov(w l, w) / Var(w)`` and the risk is
  ``mean(w l) + eta mean(w) - eta``; score = ``-risk``.
* **source accuracy**: top-1 accuracy (percent) on the labelled source validation split.

A validator is a callable registered in ``VALIDATORS``: it declares the splits it needs
(``requires``, from ``source_train``, ``source_val`` and ``target_train``) and maps their collected
outputs (:class:`~dareg.evaluation.features.DomainFeatures`: features, logits, labels) to one float.
:class:`~dareg.engine.validator_loop.ValidatorValLoop` runs them during validation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from dareg.registry import VALIDATORS

#: Splits a validator may ask for.
SPLITS = ("source_train", "source_val", "target_train")


# --- the formulas --------------------------------------------------------------------------------
def entropy(probabilities: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Shannon entropy (nats) along ``dim``, with ``0 log 0 = 0``."""
    return -(probabilities * torch.log(probabilities.clamp_min(1e-12))).sum(dim)


def information_maximization(logits: torch.Tensor) -> float:
    """IM score ``-mean_i H(p_i) + H(mean_i p_i)`` of ``N x K`` logits (higher is better)."""
    probabilities = logits.double().softmax(dim=1)
    return float(-entropy(probabilities).mean() + entropy(probabilities.mean(0)))


def soft_neighborhood_density(logits: torch.Tensor, temperature: float = 0.05) -> float:
    """SND score of ``N x K`` logits: mean entropy of the softened similarity rows (higher is better)."""
    if logits.shape[0] < 2:
        raise ValueError("SND needs at least 2 target samples")
    probabilities = F.normalize(logits.double().softmax(dim=1), dim=1)
    similarity = probabilities @ probabilities.T
    n = similarity.shape[0]
    off_diagonal = similarity[~torch.eye(n, dtype=torch.bool)].view(n, n - 1)
    return float(entropy((off_diagonal / temperature).softmax(dim=1)).mean())


def dev_risk(weights: torch.Tensor | np.ndarray, losses: torch.Tensor | np.ndarray) -> float:
    """DEV's control-variate estimate of the target risk from importance-weighted source losses.

    ``eta = -Cov(w l, w) / Var(w)``, ``risk = mean(w l) + eta mean(w) - eta``; with constant weights
    (``Var(w) = 0``) ``eta`` is 0 and the risk is ``mean(w l)``, the plain source risk when ``w = 1``.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    weighted = w * np.asarray(losses, dtype=np.float64).reshape(-1)
    variance = w.var(ddof=1) if len(w) > 1 else 0.0
    eta = 0.0
    if variance > 1e-12:
        covariance = np.cov(np.stack([weighted, w]), ddof=1)[0, 1]
        eta = -covariance / variance
    return float(weighted.mean() + eta * w.mean() - eta)


def importance_weights(
    source_train: torch.Tensor, target_train: torch.Tensor, source_val: torch.Tensor, max_iter: int = 1000
) -> np.ndarray:
    """``P(t|x) / P(s|x) * N_s / N_t`` on ``source_val`` from a logistic-regression domain classifier.

    The classifier (scikit-learn, L-BFGS, standardised features) is deterministic and uses no
    global random state.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.concatenate([np.asarray(source_train), np.asarray(target_train)]).astype(np.float64)
    domains = np.r_[np.ones(len(source_train)), np.zeros(len(target_train))]
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    classifier.fit(features, domains)
    classes = list(classifier.classes_)
    probabilities = classifier.predict_proba(np.asarray(source_val, dtype=np.float64))
    p_source = np.clip(probabilities[:, classes.index(1.0)], 1e-6, 1.0)
    p_target = np.clip(probabilities[:, classes.index(0.0)], 1e-6, 1.0)
    return p_target / p_source * len(source_train) / len(target_train)


# --- registered validators -----------------------------------------------------------------------
class BaseValidator:
    """A score of a model from the outputs it gives on named splits; higher is better.

    Subclasses set ``requires`` (the splits they read), ``key`` (the logged name, under the loop's
    prefix) and implement :meth:`compute`.
    """

    requires: tuple[str, ...] = ()
    key: str = ""

    def __call__(self, outputs: dict[str, Any]) -> float:
        missing = [name for name in self.requires if name not in outputs]
        if missing:
            raise KeyError(
                f"{type(self).__name__} needs the splits {list(self.requires)}, but {missing} were not collected; "
                f"add them to val_cfg.splits (collected: {sorted(outputs)})."
            )
        return self.compute(outputs)

    def compute(self, outputs: dict[str, Any]) -> float:
        raise NotImplementedError

    @staticmethod
    def logits_of(outputs: dict[str, Any], split: str) -> torch.Tensor:
        logits = outputs[split].logits
        if logits is None:
            raise ValueError(f"the {split} split was collected without logits")
        return logits

    @staticmethod
    def labels_of(outputs: dict[str, Any], split: str) -> torch.Tensor:
        labels = outputs[split].labels
        if labels is None:
            raise ValueError(
                f"the {split} split has no image-level labels (gt_label): source accuracy and DEV need a "
                "labelled classification split"
            )
        return labels


@VALIDATORS.register_module(name="IM")
class IMValidator(BaseValidator):
    """Information maximisation on the target training split (see the module doc)."""

    requires = ("target_train",)
    key = "IM"

    def compute(self, outputs: dict[str, Any]) -> float:
        return information_maximization(self.logits_of(outputs, "target_train"))


@VALIDATORS.register_module(name="SND")
class SNDValidator(BaseValidator):
    """Soft neighbourhood density on the target training split.

    Args:
        temperature: Softmax temperature of the similarity rows. Defaults to 0.05 (the paper).
    """

    requires = ("target_train",)
    key = "SND"

    def __init__(self, temperature: float = 0.05) -> None:
        if temperature <= 0:
            raise ValueError(f"SND: temperature must be > 0, got {temperature}")
        self.temperature = float(temperature)

    def compute(self, outputs: dict[str, Any]) -> float:
        return soft_neighborhood_density(self.logits_of(outputs, "target_train"), self.temperature)


@VALIDATORS.register_module(name="DEV")
class DEVValidator(BaseValidator):
    """Deep embedded validation: minus the importance-weighted source validation risk.

    Args:
        max_iter: Iterations of the logistic-regression domain classifier. Defaults to 1000.
    """

    requires = ("source_train", "source_val", "target_train")
    key = "DEV"

    def __init__(self, max_iter: int = 1000) -> None:
        self.max_iter = max_iter

    def compute(self, outputs: dict[str, Any]) -> float:
        weights = importance_weights(
            outputs["source_train"].features,
            outputs["target_train"].features,
            outputs["source_val"].features,
            self.max_iter,
        )
        logits = self.logits_of(outputs, "source_val")
        losses = F.cross_entropy(logits.double(), self.labels_of(outputs, "source_val"), reduction="none")
        risk = dev_risk(weights, losses.numpy())
        return -risk if math.isfinite(risk) else float("nan")


@VALIDATORS.register_module(name="SourceAccuracy")
class SourceAccuracyValidator(BaseValidator):
    """Top-1 accuracy (percent) on the labelled source validation split."""

    requires = ("source_val",)
    key = "source_accuracy"

    def compute(self, outputs: dict[str, Any]) -> float:
        predictions = self.logits_of(outputs, "source_val").argmax(dim=1)
        return float((predictions == self.labels_of(outputs, "source_val")).double().mean() * 100.0)
