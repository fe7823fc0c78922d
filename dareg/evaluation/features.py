"""Features and logits of a whole split, as the task network sees them, for validators and analysis.

:class:`~dareg.engine.validator_loop.ValidatorValLoop` scores models on them
(:mod:`dareg.evaluation.validators`) and :mod:`dareg.analysis.features` pictures them.

How features are obtained (the interface new algorithms plug into)
-------------------------------------------------------------------
:func:`extract_feat` asks, in this order:

1. the algorithm: ``algorithm.extract_feat(inputs, domain)`` returning ``{"features": N x C,
   "logits": N x K (or N x K x h x w)}``. Define it when an algorithm processes the two domains
   with different networks (ADDA's separate target encoder) or transforms inputs first (CyCADA
   translates source images before its task network sees them);
2. else its task network, the first of the attributes :data:`TASK_NETWORK_ATTRIBUTES`; if that
   network has ``extract_feat(inputs)`` (same return value) it is used, otherwise the input of its
   ``head`` sub-module is captured while the network runs (the feature before the head), and
   average-pooled over space when it is a feature map.

So a classification algorithm whose task network is an ``ImageClassifier`` (or any network with a
``head``) needs nothing; one with a different layout defines ``extract_feat``.

An algorithm with several prediction networks (a self-training student and its EMA teacher) is read
through one of them when ``network`` is given: ``algorithm.prediction_network(network)`` is then
the task network of step 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from dareg.models.utils.task_features import pool_features, task_network_features

#: Attributes of an algorithm that hold its task network, in the order they are looked up.
TASK_NETWORK_ATTRIBUTES = ("task_model", "classifier", "segmentor")

DOMAINS = ("source", "target")


# --- features of one batch ---------------------------------------------------------------------
def find_task_network(algorithm: nn.Module) -> nn.Module:
    """The task network of ``algorithm`` (see :data:`TASK_NETWORK_ATTRIBUTES`).

    Raises:
        AttributeError: The algorithm has none of them; it should define ``extract_feat``.
    """
    for name in TASK_NETWORK_ATTRIBUTES:
        network = getattr(algorithm, name, None)
        if isinstance(network, nn.Module):
            return network
    raise AttributeError(
        f"{type(algorithm).__name__} has no task network under {TASK_NETWORK_ATTRIBUTES} and no "
        "extract_feat(inputs, domain) method: define extract_feat returning {'features': N x C, "
        "'logits': ...} to make it work with feature analysis and validators."
    )


def extract_feat(
    algorithm: nn.Module, inputs: torch.Tensor, domain: str, network: str | None = None
) -> dict[str, torch.Tensor]:
    """Features (``N x C``) and logits of model-space ``inputs`` from ``domain`` (see the module doc).

    ``network`` names one of the algorithm's ``prediction_networks`` to read instead (None: as
    the module doc says).
    """
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {DOMAINS}, got {domain!r}")
    method = getattr(algorithm, "extract_feat", None)
    if network is not None:
        out = task_network_features(algorithm.prediction_network(network), inputs)
    elif callable(method):
        out = method(inputs, domain)
    else:
        out = task_network_features(find_task_network(algorithm), inputs)
    return {"features": pool_features(out["features"]), "logits": out.get("logits")}


# --- features of a whole split -------------------------------------------------------------------
@dataclass
class DomainFeatures:
    """Features of one split: ``features`` ``N x C``, ``logits`` (``N x K`` or dense) and labels.

    ``labels`` holds image-level class labels (classification), else None.
    """

    features: torch.Tensor
    logits: torch.Tensor | None
    labels: torch.Tensor | None

    def __len__(self) -> int:
        return int(self.features.shape[0])


def _labels(data_samples: Any) -> torch.Tensor | None:
    labels = data_samples.get("gt_label") if isinstance(data_samples, dict) else None
    if labels is None:
        return None
    return torch.as_tensor(labels).reshape(-1).long().cpu()


@torch.no_grad()
def collect_features(
    algorithm: nn.Module,
    dataloader: Iterable,
    domain: str,
    max_samples: int | None = None,
    keep_logits: bool = True,
    network: str | None = None,
) -> DomainFeatures:
    """Run ``algorithm`` (in eval mode, restored after) over ``dataloader``; gather features per sample.

    Args:
        algorithm: A dareg algorithm (its ``data_preprocessor`` prepares each batch).
        dataloader: Single-domain batches, as a validation dataloader yields them.
        domain: ``"source"`` or ``"target"``: which domain the images come from.
        max_samples: Stop after this many samples (the first ones, in loader order). Defaults to None.
        keep_logits: Keep the logits (on the CPU). Defaults to True.
        network: One of the algorithm's ``prediction_networks`` to read (:func:`extract_feat`).
            Defaults to None.
    """
    was_training = algorithm.training
    algorithm.eval()
    features, logits, labels = [], [], []
    count = 0
    try:
        for data in dataloader:
            batch = algorithm.data_preprocessor(data, training=False)
            out = extract_feat(algorithm, batch["inputs"], domain, network)
            features.append(out["features"].float().cpu())
            if keep_logits and out["logits"] is not None:
                logits.append(out["logits"].float().cpu())
            label = _labels(batch.get("data_samples"))
            if label is not None:
                labels.append(label)
            count += features[-1].shape[0]
            if max_samples is not None and count >= max_samples:
                break
    finally:
        algorithm.train(was_training)
    if not features:
        raise ValueError(f"collect_features: the {domain} dataloader yielded no batch")
    limit = max_samples if max_samples is not None else count
    cat_features = torch.cat(features)[:limit]
    cat_logits = torch.cat(logits)[:limit] if logits else None
    cat_labels = torch.cat(labels)[:limit] if len(labels) == len(features) else None
    return DomainFeatures(cat_features, cat_logits, cat_labels)
