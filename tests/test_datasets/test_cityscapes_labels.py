"""The 19-class Cityscapes label map on hand-written arrays."""

from __future__ import annotations

import numpy as np

from dareg.datasets.cityscapes_labels import (
    CITYSCAPES_CLASSES,
    CITYSCAPES_PALETTE,
    LABEL_ID_TO_TRAIN_ID,
    label_id_lut,
    train_id_lut,
)


def test_label_id_map_of_methods_md():
    raw = np.array(
        [
            [7, 8, 11, 12, 13, 17, 19, 20, 21, 22],
            [23, 24, 25, 26, 27, 28, 31, 32, 33, 0],
            [1, 6, 9, 10, 14, 16, 18, 29, 30, 34],
        ],
        dtype=np.uint8,
    )
    expected = np.array(
        [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            [10, 11, 12, 13, 14, 15, 16, 17, 18, 255],
            [255] * 10,  # unlabeled, ground, parking, rail track, guard rail, tunnel, polegroup, caravan ...
        ],
        dtype=np.uint8,
    )
    assert np.array_equal(label_id_lut()[raw], expected)
    assert (np.delete(label_id_lut(), list(LABEL_ID_TO_TRAIN_ID)) == 255).all()


def test_train_id_lut_keeps_ids_and_ignores_the_rest():
    train = np.array([[0, 5, 18], [19, 254, 255]], dtype=np.uint8)
    assert train_id_lut()[train].tolist() == [[0, 5, 18], [255, 255, 255]]


def test_names_and_palette_in_train_id_order():
    assert len(CITYSCAPES_CLASSES) == len(CITYSCAPES_PALETTE) == 19
    assert CITYSCAPES_CLASSES[LABEL_ID_TO_TRAIN_ID[26]] == "car"
    assert CITYSCAPES_PALETTE[CITYSCAPES_CLASSES.index("car")] == (0, 0, 142)
    assert CITYSCAPES_CLASSES[-1] == "bicycle" and CITYSCAPES_CLASSES[10] == "sky"
