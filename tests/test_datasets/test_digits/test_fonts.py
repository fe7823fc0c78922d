"""The font-rendered -> handwritten digit pair: deterministic, varied, balanced, disjoint splits."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dareg.datasets.digits.embedded import split_indices
from dareg.datasets.digits.fonts import (
    HANDWRITTEN_SPLIT,
    HERSHEY_FACES,
    FontDigitsDataset,
    HandwrittenDigitsDataset,
    frame_mnist_style,
    handwritten_digits,
    render_font_digits,
)


def test_rendering_is_deterministic_under_its_seed_and_extends():
    images, labels, _ = render_font_digits(40, seed=5)
    again, labels_again, _ = render_font_digits(40, seed=5)
    longer, longer_labels, _ = render_font_digits(60, seed=5)
    other, _, _ = render_font_digits(40, seed=6)
    assert np.array_equal(images, again) and np.array_equal(labels, labels_again)
    assert np.array_equal(longer[:40], images) and np.array_equal(longer_labels[:40], labels)  # image i = f(seed, i)
    assert not np.array_equal(images, other)


def test_rendering_is_varied_and_balanced():
    images, labels, styles = render_font_digits(400, seed=0)
    assert np.bincount(labels, minlength=10).tolist() == [40] * 10
    assert {s.face for s in styles} == set(HERSHEY_FACES)  # all eight faces
    assert {s.italic for s in styles} == {True, False}
    assert len({s.thickness for s in styles}) == 4
    angles = np.array([s.angle for s in styles])
    assert angles.min() < -10 and angles.max() > 10
    assert len({s.shift for s in styles}) > 10
    # rendered images of one class differ from each other (no duplicates)
    zeros = images[labels == 0].reshape(40, -1)
    assert len({row.tobytes() for row in zeros}) == 40


def test_digits_are_framed_mnist_style():
    images, _, _ = render_font_digits(50, seed=1, max_shift=0)
    assert images.dtype == np.uint8 and images.shape == (50, 28, 28)
    for image in images:
        rows, cols = np.nonzero(image > 0)
        assert rows.max() - rows.min() <= 21 and cols.max() - cols.min() <= 21  # 20x20 box (+ interpolation)
        mass = image.astype(np.float64)
        centre = ((mass.sum(1) * np.arange(28)).sum() / mass.sum(), (mass.sum(0) * np.arange(28)).sum() / mass.sum())
        assert abs(centre[0] - 13.5) < 1.0 and abs(centre[1] - 13.5) < 1.0  # centre of mass at the centre
        assert image[0].max() == 0 and image[:, 0].max() == 0  # black frame


def test_frame_mnist_style_needs_ink():
    with pytest.raises(ValueError, match="no ink"):
        frame_mnist_style(np.zeros((40, 40), np.uint8))
    canvas = np.zeros((60, 60), np.uint8)
    cv2.rectangle(canvas, (10, 20), (19, 49), 255, -1)  # 10 wide, 30 high
    framed = frame_mnist_style(canvas)
    rows, cols = np.nonzero(framed > 127)
    assert rows.max() - rows.min() + 1 == 20  # the long side fills the 20-pixel box


def test_handwritten_splits_are_disjoint_stratified_and_complete():
    from sklearn.datasets import load_digits

    labels = load_digits().target
    train, test = split_indices(labels, 0, HANDWRITTEN_SPLIT)
    assert not set(train.tolist()) & set(test.tolist())
    assert len(train) + len(test) == len(labels) == 1797
    for digit in range(10):  # each class split 60 / 40 (to the nearest image)
        count = (labels == digit).sum()
        assert abs((labels[train] == digit).sum() - 0.6 * count) <= 1
    train_images, train_labels = handwritten_digits("train")
    test_images, _ = handwritten_digits("test")
    assert np.array_equal(train_labels, labels[train]) and len(test_images) == len(test)
    train_set = {image.tobytes() for image in train_images}
    assert not any(image.tobytes() in train_set for image in test_images)


def test_datasets_yield_uint8_items_in_either_channel_setting():
    item = FontDigitsDataset(num_samples=20, seed=2, image_size=32, channels=3)[3]
    assert tuple(item["inputs"].shape) == (3, 32, 32) and str(item["inputs"].dtype) == "torch.uint8"
    data = HandwrittenDigitsDataset(split="test")
    assert len(data) == 719 and tuple(data[0]["inputs"].shape) == (1, 28, 28)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        HandwrittenDigitsDataset(split="val")
    with pytest.raises(ValueError, match="num_samples must be positive"):
        FontDigitsDataset(num_samples=0)
