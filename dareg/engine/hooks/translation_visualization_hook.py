"""Sample grids of unpaired translation during training (source / translated / reconstructed).

Every ``interval`` iterations the hook takes the first images of the current training batch of each
domain, translates them with the algorithm's generators and back, and writes one grid: one row per
sample, ``real | translated | reconstructed`` for domain A then for domain B. The grid goes to
``work_dir/vis/iter_N.png`` and to the runner's visualizer (TensorBoard, when a
``TensorboardVisBackend`` is configured in ``visualizer.vis_backends``).
"""

from __future__ import annotations

import os
import os.path as osp
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from dareg.registry import HOOKS


def image_grid(rows: list[list[torch.Tensor]], padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """Tile ``rows`` of uint8 ``C x H x W`` tensors (C = 1 or 3) into one ``H' x W' x 3`` uint8 array."""
    height = max(img.shape[1] for row in rows for img in row)
    width = max(img.shape[2] for row in rows for img in row)
    columns = max(len(row) for row in rows)
    grid = np.full(
        (len(rows) * (height + padding) + padding, columns * (width + padding) + padding, 3), pad_value, np.uint8
    )
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            array = image.detach().cpu().numpy().transpose(1, 2, 0)
            if array.shape[2] == 1:
                array = np.repeat(array, 3, axis=2)
            top, left = padding + r * (height + padding), padding + c * (width + padding)
            grid[top : top + array.shape[0], left : left + array.shape[1]] = array[..., :3]
    return grid


@HOOKS.register_module()
class TranslationVisualizationHook(Hook):
    """Write source / translated / reconstructed sample grids of a translation algorithm.

    Under distributed training every rank computes the grid (its generators may be DDP-wrapped) and
    only the main process writes it. Works with any algorithm that has ``translate(images, direction)`` and
    ``denormalize_pixels(images)`` (``CycleGAN``, ``DiscoGAN``, ``CyCADA``). Images are assumed to be
    in OpenCV's BGR order on disk (as dareg reads them); the visualizer receives RGB.

    Args:
        interval: Write a grid every ``interval`` training iterations. Defaults to 500.
        num_samples: Samples per domain (at most the batch size). Defaults to 4.
        out_dir: Folder of the PNG files, relative to ``work_dir``. Defaults to ``"vis"``.
        add_to_visualizer: Also send the grid to the runner's visualizer. Defaults to True.
    """

    priority = "LOW"

    def __init__(self, interval: int = 500, num_samples: int = 4, out_dir: str = "vis", add_to_visualizer: bool = True):
        if interval < 1 or num_samples < 1:
            raise ValueError(
                f"TranslationVisualizationHook: interval and num_samples must be >= 1, got {interval} and {num_samples}"
            )
        self.interval = interval
        self.num_samples = num_samples
        self.out_dir = out_dir
        self.add_to_visualizer = add_to_visualizer

    @torch.no_grad()
    def grid(self, model: Any, data_batch: dict) -> np.ndarray:
        """The ``H x W x 3`` BGR grid for one two-domain batch."""
        batch = model.data_preprocessor(data_batch, training=False)
        rows = []
        for domain, direction, back in (("source", "a2b", "b2a"), ("target", "b2a", "a2b")):
            real = batch[domain]["inputs"][: self.num_samples]
            translated = model.translate(real, direction)
            reconstructed = model.translate(translated, back)
            images = [model.denormalize_pixels(x) for x in (real, translated, reconstructed)]
            rows += [[images[0][i], images[1][i], images[2][i]] for i in range(real.shape[0])]
        return image_grid(rows)

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if data_batch is None or not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        was_training = model.training
        model.eval()
        try:
            grid = self.grid(model, data_batch)
        finally:
            model.train(was_training)
        if not is_main_process():  # every rank translates (same collectives under DDP), one writes
            return
        step = runner.iter + 1
        folder = osp.join(runner.work_dir, self.out_dir)
        os.makedirs(folder, exist_ok=True)
        cv2.imwrite(osp.join(folder, f"iter_{step}.png"), grid)
        if self.add_to_visualizer and getattr(runner, "visualizer", None) is not None:
            runner.visualizer.add_image("translation", np.ascontiguousarray(grid[..., ::-1]), step=step)
