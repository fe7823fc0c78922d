"""The source-only baseline: train the task network on labelled source data, evaluate on target."""

from __future__ import annotations

from typing import Any

import torch
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.spec import TrainSpec
from dareg.models.task_model import build_task_model
from dareg.registry import ALGORITHMS


@ALGORITHMS.register_module()
class SourceOnly(BaseAlgorithm):
    """Train a task network on the source domain only: the lower bound every method is compared to.

    It accepts two-domain batches (and ignores the target, so a method's dataset config can be
    reused unchanged) as well as single-domain batches, so a "target-only" oracle is the same
    algorithm on a single-domain dataset of labelled target data. The one optimizer is named
    ``task_model``.

    Args:
        task_model: Config of a segmentor (``SEGMENTORS``) or classifier (``CLASSIFIERS``).
        data_preprocessor: Config of the data preprocessor.
        init_cfg: mmengine initialisation config.
    """

    train_spec = TrainSpec(
        steps=[("task_model", "the task network's supervised loss on the labelled source batch")],
        logged={"loss*": "the task network's loss terms (cross-entropy; per level for multi-level segmentors)"},
        notes="The target half of a two-domain batch is ignored.",
    )

    def __init__(self, task_model: dict, data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.task_model = build_task_model(task_model)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        batch = self.data_preprocessor(data, training=True)
        source = batch.get("source", batch)
        with self.autocast(optim_wrapper, "task_model"):
            outputs = self.task_model(source["inputs"])
            losses = self.task_model.loss(outputs, source["data_samples"])
        self.update(optim_wrapper, "task_model", sum(losses.values()))
        return self.scalars(losses)

    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        return self.task_model(inputs)

    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        return self.predict_with(self.task_model, inputs, data_samples)
