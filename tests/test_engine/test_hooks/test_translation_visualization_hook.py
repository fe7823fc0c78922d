"""TranslationVisualizationHook: grid layout, files every N iterations, TensorBoard through the visualizer."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from fixtures.translation import random_pair_batch, single_thread
from mmengine.visualization import Visualizer

from dareg.engine.hooks.translation_visualization_hook import TranslationVisualizationHook, image_grid
from dareg.registry import ALGORITHMS


def tiny_cyclegan():
    torch.manual_seed(0)
    return ALGORITHMS.build(
        dict(
            type="CycleGAN",
            generator=dict(type="ResnetGenerator", base_channels=4, num_blocks=1),
            discriminator=dict(type="PatchDiscriminator", base_channels=4, num_layers=1),
            data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True),
        )
    )


def test_image_grid_layout_and_grey_images():
    rows = [[torch.full((3, 4, 5), 10, dtype=torch.uint8), torch.full((1, 4, 5), 20, dtype=torch.uint8)]]
    grid = image_grid(rows, padding=1, pad_value=255)
    assert grid.shape == (1 * (4 + 1) + 1, 2 * (5 + 1) + 1, 3)
    assert (grid[1:5, 1:6] == 10).all() and (grid[1:5, 7:12] == 20).all() and (grid[0] == 255).all()


def test_hook_writes_every_interval_and_sends_rgb_to_the_visualizer(tmp_path):
    model = tiny_cyclegan()
    calls = []
    visualizer = SimpleNamespace(add_image=lambda name, image, step: calls.append((name, image, step)))
    runner = SimpleNamespace(model=model, work_dir=str(tmp_path), iter=0, visualizer=visualizer)
    hook = TranslationVisualizationHook(interval=2, num_samples=1)
    batch = random_pair_batch(batch_size=2, size=16)
    for iteration in range(4):
        runner.iter = iteration
        hook.after_train_iter(runner, iteration, batch)
    assert sorted(os.listdir(tmp_path / "vis")) == ["iter_2.png", "iter_4.png"]
    assert model.training  # restored after the eval-mode translation
    grid = cv2.imread(str(tmp_path / "vis" / "iter_2.png"))
    assert grid.shape == (2 * 18 + 2, 3 * 18 + 2, 3)  # rows: A sample, B sample; columns: real, fake, rec
    # the first cell is the real source image, in the file's BGR order
    assert np.array_equal(grid[2:18, 2:18], batch["source"]["inputs"][0].numpy().transpose(1, 2, 0))
    assert [step for _, _, step in calls] == [2, 4]
    assert np.array_equal(calls[0][1], grid[..., ::-1])  # RGB for the visualizer


def test_hook_reaches_tensorboard(tmp_path):
    visualizer = Visualizer.get_instance(
        f"vis_{time.time_ns()}", vis_backends=[dict(type="TensorboardVisBackend")], save_dir=str(tmp_path / "tb")
    )
    runner = SimpleNamespace(model=tiny_cyclegan(), work_dir=str(tmp_path), iter=0, visualizer=visualizer)
    TranslationVisualizationHook(interval=1, num_samples=1).after_train_iter(runner, 0, random_pair_batch(size=16))
    visualizer.close()
    events = [f for _, _, files in os.walk(tmp_path / "tb") for f in files if f.startswith("events.out.tfevents")]
    assert events


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
