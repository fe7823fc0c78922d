"""Coloured segmentation predictions of each validation, sent to the runner's visualizer (TensorBoard).

The hook is a default hook of every dareg config (``configs/_base_/default_runtime.py``) and does
nothing for models whose predictions carry no ``pred_seg``. With the TensorBoard switch
(``configs/_base_/tensorboard.py``) the pictures appear in TensorBoard's Images tab, one slider
step per validation; with mmengine's default ``LocalVisBackend`` they are PNG files under
``<work_dir>/<timestamp>/vis_data/vis_image/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook

from dareg.engine.hooks.seg_prediction_saver_hook import dataset_palette, render_prediction
from dareg.engine.hooks.translation_visualization_hook import image_grid
from dareg.registry import HOOKS


@HOOKS.register_module()
class SegVisualizationHook(Hook):
    """Send the first ``num_samples`` predictions of each validation, coloured, as one picture.

    One row per sample, prediction left and (``with_ground_truth``) ground truth right, coloured
    with the validation dataset's palette (the Cityscapes palette when it has none). The samples
    are the first ones the validation loop reads (the same images every time, so the slider shows
    how they change during training); under distributed validation, the main process's first ones.
    Rows wider than ``max_width`` are shrunk (nearest neighbour, aspect kept).

    Args:
        num_samples: Predictions per validation. 0 disables the hook. Defaults to 4.
        with_ground_truth: Put the ground truth beside each prediction. Defaults to True.
        palette: RGB colour per class. Defaults to None (dataset palette, else Cityscapes).
        ignore_index: Label drawn black. Defaults to 255.
        max_width: Largest width of a row in pixels. Defaults to 1024.
        name: Image name in the visualizer (the TensorBoard tag). Defaults to ``"seg_predictions"``.
    """

    priority = "LOW"

    def __init__(
        self,
        num_samples: int = 4,
        with_ground_truth: bool = True,
        palette: Sequence[Sequence[int]] | None = None,
        ignore_index: int = 255,
        max_width: int = 1024,
        name: str = "seg_predictions",
    ) -> None:
        if num_samples < 0 or max_width < 1:
            raise ValueError(
                f"SegVisualizationHook: num_samples must be >= 0 and max_width >= 1, got {num_samples} and {max_width}"
            )
        self.num_samples = num_samples
        self.with_ground_truth = with_ground_truth
        self.palette = palette
        self.ignore_index = ignore_index
        self.max_width = max_width
        self.name = name
        self._rows: list[np.ndarray] = []
        self._palette_in_use: Sequence[Sequence[int]] | None = palette

    def before_val(self, runner: Any) -> None:
        self._rows = []
        self._palette_in_use = self.palette if self.palette is not None else dataset_palette(runner.val_dataloader)

    def shrink(self, image: np.ndarray) -> np.ndarray:
        """``image`` resized (nearest) to at most ``max_width`` pixels wide, aspect kept."""
        height, width = image.shape[:2]
        if width <= self.max_width:
            return image
        size = (self.max_width, max(1, round(height * self.max_width / width)))
        return cv2.resize(image, size, interpolation=cv2.INTER_NEAREST)

    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        for prediction in outputs or []:
            if len(self._rows) >= self.num_samples:
                return
            if isinstance(prediction, dict) and "pred_seg" in prediction:
                image = render_prediction(prediction, self._palette_in_use, self.ignore_index, self.with_ground_truth)
                self._rows.append(self.shrink(image))

    def picture(self) -> np.ndarray | None:
        """The RGB picture of the collected rows (one row per sample), or None when there are none."""
        if not self._rows:
            return None
        grid = image_grid([[torch.from_numpy(np.ascontiguousarray(row.transpose(2, 0, 1)))] for row in self._rows])
        return np.ascontiguousarray(grid[..., ::-1])  # BGR (cv2's order) -> RGB (the visualizer's)

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        picture = self.picture()
        if picture is not None and getattr(runner, "visualizer", None) is not None:
            runner.visualizer.add_image(self.name, picture, step=runner.iter)
        self._rows = []
