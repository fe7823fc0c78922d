"""The interface shared by task networks (segmentors and classifiers) that algorithms adapt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from dareg.registry import CLASSIFIERS, SEGMENTORS


class BaseTaskModel(nn.Module):
    """A network that solves the task (per-pixel or per-image classification) on one domain.

    Algorithms treat segmentors and classifiers alike through three methods, so a generic method
    (``SourceOnly``, ADDA-style feature adaptation, CyCADA's stages) works for both tasks:

    * ``forward(inputs) -> list[Tensor]``: logits per output level, main level **last** (one level
      for most networks; AdaptSegNet's multi-level segmentor returns ``[aux, main]``).
    * :meth:`loss` ``(outputs, data_samples) -> dict[str, Tensor]``: supervised losses, weighted,
      keys starting with ``loss_``.
    * :meth:`predict` ``(outputs, data_samples, input_size) -> list[dict]``: one dict per sample for
      the metrics (``pred_seg`` and ``gt_seg`` for segmentation, ``pred_label`` and ``gt_label`` for
      classification), on the CPU; ``input_size`` is the network input's ``(H, W)``, the size dense
      predictions take when there are no labels (classifiers ignore it).
    """

    def init_weights(self) -> None:
        """Pass mmengine's ``init_weights`` on to the children that define one.

        mmengine's Runner calls ``model.init_weights()`` before training (never before testing), and
        ``BaseModule.init_weights`` only recurses into children that have the method; this one keeps
        the call going down to the backbone, which loads its pretrained file there (see
        :class:`~dareg.models.backbones.DeepLabV2ResNet`). Random initialisation happens at
        construction, so a child without pretrained weights is left as it is.
        """
        for child in self.children():
            if hasattr(child, "init_weights"):
                child.init_weights()

    def loss(self, outputs: list[torch.Tensor], data_samples: dict[str, Any]) -> dict[str, torch.Tensor]:
        """Supervised losses of ``outputs`` against the labels in ``data_samples``."""
        raise NotImplementedError(f"{type(self).__name__} must implement loss(outputs, data_samples)")

    def predict(
        self,
        outputs: list[torch.Tensor],
        data_samples: dict[str, Any] | None = None,
        input_size: Sequence[int] | None = None,
    ) -> list[dict]:
        """Per-sample predictions (and ground truth, when given) for the metrics."""
        raise NotImplementedError(f"{type(self).__name__} must implement predict(outputs, data_samples)")


def build_task_model(cfg: dict) -> nn.Module:
    """Build a segmentor or classifier from its config, whichever registry holds its type."""
    name = cfg.get("type") if isinstance(cfg, dict) else None
    registry = CLASSIFIERS if isinstance(name, str) and CLASSIFIERS.get_or_none(name) is not None else SEGMENTORS
    return registry.build(cfg)
