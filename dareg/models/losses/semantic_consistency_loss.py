"""CyCADA's semantic consistency loss (Hoffman et al., ICML 2018, Eq. 4).

A task network ``f_S`` trained on the source domain (CyCADA stage (a)) is frozen. Translation must
not change what it sees: ``CE(f_S(G(x)), argmax f_S(x))`` for a source image ``x`` translated by
``G`` (and likewise for target images translated to the source style). The network never changes:
its parameters never get gradients, it stays in eval mode (BatchNorm statistics and dropout frozen)
even when the algorithm is put in training mode, and the Runner's weight initialisation skips it.
Gradients still flow through it to the translated image, and so to the generator.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dareg.models.task_model import build_task_model
from dareg.registry import LOSSES
from dareg.utils.checkpoint_files import load_checkpoint_file


def load_task_weights(model: nn.Module, checkpoint: str, prefix: str = "task_model.") -> None:
    """Load ``checkpoint`` (a dareg checkpoint of e.g. ``SourceOnly`` or a bare state dict) into ``model``.

    Keys starting with ``prefix`` (the attribute name of the task network in the training
    algorithm) are loaded with the prefix removed; a state dict without such keys is loaded as is.
    Loading is strict, so a checkpoint of another architecture fails with the mismatched keys.
    """
    try:
        state = load_checkpoint_file(checkpoint, "cpu")
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"Task-network checkpoint not found: {checkpoint}. Train CyCADA stage (a) first "
            "(configs/cycada/*_stage_a_*.py) and point task_checkpoint at its checkpoint."
        ) from error
    state = state.get("state_dict", state)
    if any(key.startswith(prefix) for key in state):
        state = {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise RuntimeError(
            f"The task network of the semantic consistency loss does not match {checkpoint}: {error}. "
            "The task_model config must be the one stage (a) trained."
        ) from error


@LOSSES.register_module()
class SemanticConsistencyLoss(nn.Module):
    """Cross-entropy of a frozen task network's logits on translated images against its own labels
    of the originals.

    Call as ``loss(original, translated)``, both already normalised the way the task network
    expects. Logits are the last entry when the network returns a list (dareg task networks return
    one logit tensor per level, main last).

    Args:
        task_model: The task network or its config (a ``SEGMENTORS`` or ``CLASSIFIERS`` type).
        checkpoint: Path of its trained weights (a dareg checkpoint of stage (a) or a bare state
            dict). Defaults to None (keep the given or randomly initialised weights; for tests).
        checkpoint_prefix: Prefix of the task network's keys in the checkpoint. Defaults to
            ``"task_model."`` (``SourceOnly``'s attribute).
        loss_weight: Multiplier. Defaults to 1.0.
        ignore_index: Label ignored by the cross-entropy. Defaults to 255.
    """

    def __init__(
        self,
        task_model: dict | nn.Module,
        checkpoint: str | None = None,
        checkpoint_prefix: str = "task_model.",
        loss_weight: float = 1.0,
        ignore_index: int = 255,
    ) -> None:
        super().__init__()
        if isinstance(task_model, dict):
            task_model = build_task_model(task_model)
        if checkpoint is not None:
            load_task_weights(task_model, checkpoint, checkpoint_prefix)
        self.task_model = task_model
        for param in self.task_model.parameters():
            param.requires_grad_(False)
        self.task_model.eval()
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index

    def train(self, mode: bool = True) -> SemanticConsistencyLoss:
        """Keep the task network in eval mode whatever ``mode`` is."""
        super().train(mode)
        self.task_model.eval()
        return self

    def init_weights(self) -> None:
        """Nothing to do: the weights are the trained task network's (the Runner must not reset them)."""

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """The task network's main logits for ``images``."""
        outputs: Any = self.task_model(images)
        return outputs[-1] if isinstance(outputs, (list, tuple)) else outputs

    def forward(self, original: torch.Tensor, translated: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            labels = self.logits(original).argmax(1)
        return self.loss_weight * F.cross_entropy(self.logits(translated), labels, ignore_index=self.ignore_index)
