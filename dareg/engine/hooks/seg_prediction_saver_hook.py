"""Saving colourised segmentation predictions of the test loop (``tools/test.py --show-dir``).

mmseg's ``tools/test.py --show-dir`` draws predictions through its visualisation hook; dareg keeps
it to one hook that writes one PNG per image, coloured with the dataset's palette (the Cityscapes
palette when the dataset has none).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from mmengine.hooks import Hook

from dareg.registry import HOOKS
from dareg.visualization.palette import colorize


def dataset_palette(dataloader: Any) -> Sequence[Sequence[int]] | None:
    """The ``metainfo["palette"]`` of a dataloader's dataset, or None."""
    metainfo = getattr(getattr(dataloader, "dataset", None), "metainfo", None) or {}
    return metainfo.get("palette")


def render_prediction(
    prediction: dict,
    palette: Sequence[Sequence[int]] | None = None,
    ignore_index: int = 255,
    with_ground_truth: bool = False,
) -> np.ndarray:
    """The colourised ``pred_seg`` of one prediction (``H x W x 3`` uint8, BGR for ``cv2.imwrite``).

    With ``with_ground_truth`` and a ``gt_seg`` in the prediction, the colourised ground truth
    (resized to the prediction by nearest neighbour if needed) is appended on the right.
    """
    image = colorize(prediction["pred_seg"], palette, ignore_index)
    if with_ground_truth and prediction.get("gt_seg") is not None:
        truth = colorize(prediction["gt_seg"], palette, ignore_index)
        if truth.shape != image.shape:
            truth = cv2.resize(truth, image.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        image = np.concatenate([image, truth], axis=1)
    return image


@HOOKS.register_module()
class SegPredictionSaverHook(Hook):
    """Write each predicted label map of the test loop (optionally the val loop) as a colour PNG.

    File names follow the input image (``<image name>.png``), or the sample index for in-memory
    datasets. With ``with_ground_truth`` the prediction and the ground truth are written side by
    side (prediction left).

    Args:
        out_dir: Output folder (created).
        palette: RGB colour per class. Defaults to None: the test dataset's ``metainfo["palette"]``,
            else the Cityscapes palette.
        with_ground_truth: Append the colourised ground truth to the right. Defaults to False.
        on_val: Also save during validation loops (each overwrites the last). Defaults to False.
        ignore_index: Label drawn black. Defaults to 255.
    """

    priority = "LOW"

    def __init__(
        self,
        out_dir: str,
        palette: Sequence[Sequence[int]] | None = None,
        with_ground_truth: bool = False,
        on_val: bool = False,
        ignore_index: int = 255,
    ) -> None:
        self.out_dir = str(out_dir)
        self.palette = palette
        self.with_ground_truth = with_ground_truth
        self.on_val = on_val
        self.ignore_index = ignore_index
        self._palette_in_use: Sequence[Sequence[int]] | None = palette
        self._count = 0

    def _start(self, dataloader: Any) -> None:
        os.makedirs(self.out_dir, exist_ok=True)
        self._count = 0
        if self.palette is None:
            self._palette_in_use = dataset_palette(dataloader)

    def before_test(self, runner) -> None:
        self._start(runner.test_dataloader)

    def before_val(self, runner) -> None:
        if self.on_val:
            self._start(runner.val_dataloader)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        self.save(outputs or [])

    def after_val_iter(self, runner, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if self.on_val:
            self.save(outputs or [])

    def file_name(self, metainfo: dict) -> str:
        """``<image stem>.png``, or ``<sample index>.png`` without an image path."""
        path = metainfo.get("img_path")
        if path:
            return os.path.splitext(os.path.basename(path))[0] + ".png"
        index = metainfo.get("sample_idx", self._count)
        return f"{int(index):06d}.png"

    def save(self, predictions: Sequence[dict]) -> list[str]:
        """Write the PNG of every prediction that has a ``pred_seg``; returns the written paths."""
        written = []
        for prediction in predictions:
            if "pred_seg" not in prediction:
                continue
            image = render_prediction(prediction, self._palette_in_use, self.ignore_index, self.with_ground_truth)
            path = os.path.join(self.out_dir, self.file_name(prediction.get("metainfo") or {}))
            if not cv2.imwrite(path, image):
                raise OSError(f"SegPredictionSaverHook: could not write {path}")
            written.append(path)
            self._count += 1
        return written
