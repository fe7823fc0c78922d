"""The embedded digit pair: real sklearn digits, MNIST-like source, MNIST-M-like target, no download."""

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from dareg.datasets.digits import embedded
from dareg.datasets.digits.embedded import EmbeddedDigitsDataset, build_embedded_digits, embedded_digits, split_indices
from dareg.registry import DATASETS


def test_splits_are_disjoint_cover_everything_and_stratified():
    labels = np.repeat(np.arange(10), 20)
    parts = split_indices(labels, seed=0)
    flat = np.concatenate(parts)
    assert len(flat) == len(labels) == len(np.unique(flat))
    for part, fraction in zip(parts, embedded.SPLIT_FRACTIONS):
        assert np.all(np.bincount(labels[part], minlength=10) == round(20 * fraction))


def test_parts_are_disjoint_images_of_real_digits():
    parts = build_embedded_digits(0)
    source_train, source_test = parts[("source", "train")][0], parts[("source", "test")][0]
    # sklearn's 1,797 digits are pairwise distinct, so disjoint index sets give distinct images
    train_rows = {image.tobytes() for image in source_train}
    assert not any(image.tobytes() in train_rows for image in source_test)
    sizes = {key: len(labels) for key, (_, labels) in parts.items()}
    assert sum(sizes.values()) == 1797
    assert sizes[("target", "test")] >= 440 and sizes[("source", "train")] >= 700


def test_deterministic_under_seed_and_seed_changes_the_pair():
    first = build_embedded_digits.__wrapped__(0)
    again = build_embedded_digits.__wrapped__(0)
    other = build_embedded_digits.__wrapped__(1)
    for key in embedded.PARTS:
        np.testing.assert_array_equal(first[key][0], again[key][0])
        np.testing.assert_array_equal(first[key][1], again[key][1])
    assert not np.array_equal(first[("target", "train")][1], other[("target", "train")][1])


def test_source_is_mnist_like_and_target_is_the_difference_blend():
    parts = build_embedded_digits(0)
    source = parts[("source", "train")][0]
    assert source.dtype == np.uint8 and source.shape[1:] == (28, 28)
    assert source[:, :4].max() == 0 and source[:, :, -4:].max() == 0  # black frame around a 20x20 box
    assert source.max() == 255  # white ink on the full 0..255 scale
    target = parts[("target", "train")][0]
    assert target.shape[1:] == (28, 28, 3) and target.dtype == np.uint8
    assert target.std() > 40  # photo content, not a flat background
    # where the digit has no ink, the target pixel is the photo itself: mean over a border is photo-like
    assert 30 < target[:, :3].mean() < 225


def test_settings_for_lenet_and_pixelda():
    grey, _ = embedded_digits("target", "test", 28, 1, 0)
    assert grey.shape[1:] == (28, 28)
    rgb_source, _ = embedded_digits("source", "train", 32, 3, 0)
    assert rgb_source.shape[1:] == (32, 32, 3)
    np.testing.assert_array_equal(rgb_source[..., 0], rgb_source[..., 2])  # grey digit repeated
    init_default_scope("dareg")
    data = DATASETS.build(dict(type="EmbeddedDigitsDataset", domain="source", split="test", image_size=32, channels=3))
    item = data[3]
    assert item["inputs"].shape == (3, 32, 32) and str(item["inputs"].dtype) == "torch.uint8"
    assert int(item["data_samples"]["gt_label"]) == int(embedded_digits("source", "test", 32, 3, 0)[1][3])
    assert data.metainfo["classes"][7] == "7"


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="domain must be"):
        EmbeddedDigitsDataset(domain="mnist")
    with pytest.raises(ValueError, match="channels must be 1 or 3"):
        EmbeddedDigitsDataset(channels=2)
