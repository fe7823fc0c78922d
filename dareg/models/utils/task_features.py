"""The feature a task network computes just before its classification head.

Used by feature analysis and validators (:mod:`dareg.evaluation.features`,
:mod:`dareg.evaluation.validators`) and by algorithms whose ``extract_feat`` hands images to a task
network (CyCADA). A task network either defines ``extract_feat(inputs) -> {"features", "logits"}``
or has a ``head`` sub-module, whose input is captured while the network runs.
"""

from __future__ import annotations

import torch
from torch import nn


def pool_features(features: torch.Tensor) -> torch.Tensor:
    """``N x C`` features: feature maps ``N x C x ...`` are average-pooled over their spatial axes."""
    if features.dim() > 2:
        return features.flatten(2).mean(2)
    return features


def task_network_features(network: nn.Module, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    """``{"features", "logits"}`` of a task network: its ``extract_feat``, else its head's input.

    Raises:
        AttributeError: The network has neither ``extract_feat`` nor a ``head`` sub-module.
    """
    method = getattr(network, "extract_feat", None)
    if callable(method):
        return method(inputs)
    head = getattr(network, "head", None)
    if not isinstance(head, nn.Module):
        raise AttributeError(
            f"{type(network).__name__} has neither extract_feat(inputs) nor a `head` sub-module whose "
            "input is the feature to analyse; define extract_feat(inputs) -> {'features', 'logits'}."
        )
    captured: list[torch.Tensor] = []

    def capture(module: nn.Module, args: tuple) -> None:
        captured.append(args[0])

    handle = head.register_forward_pre_hook(capture)
    try:
        outputs = network(inputs)
    finally:
        handle.remove()
    if not captured:
        raise RuntimeError(f"{type(network).__name__}.head was not called by the network's forward")
    logits = outputs[-1] if isinstance(outputs, (list, tuple)) else outputs
    return {"features": pool_features(captured[-1]), "logits": logits}
