"""Colourised label maps: Cityscapes palette in BGR, ignored and unknown labels black."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dareg.datasets.cityscapes_labels import CITYSCAPES_PALETTE
from dareg.visualization import colorize, palette_lut


def test_cityscapes_colours_in_bgr_order():
    labels = np.array([[0, 10, 13], [18, 255, 19]])
    image = colorize(labels)
    assert image.dtype == np.uint8 and image.shape == (2, 3, 3)
    assert image[0].tolist() == [[128, 64, 128], [180, 130, 70], [142, 0, 0]]  # road, sky, car (BGR)
    assert image[1, 0].tolist() == list(CITYSCAPES_PALETTE[18][::-1])
    assert image[1, 1].tolist() == [0, 0, 0] and image[1, 2].tolist() == [0, 0, 0]  # ignored, no colour


def test_custom_palette_tensor_input_and_shape_check():
    image = colorize(torch.tensor([[0, 1], [2, -1]]), palette=[(255, 0, 0), (0, 255, 0)])
    assert image[0, 0].tolist() == [0, 0, 255] and image[0, 1].tolist() == [0, 255, 0]
    assert image[1].tolist() == [[0, 0, 0], [0, 0, 0]]
    assert palette_lut([(1, 2, 3)])[0].tolist() == [3, 2, 1]
    with pytest.raises(ValueError, match="H x W"):
        colorize(np.zeros((2, 2, 3), dtype=np.uint8))
