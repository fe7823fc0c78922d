"""RandomResizedCrop, CenterCrop and antialiased Resize: shapes, torchvision's window rule, seeding."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from dareg.datasets.transforms.geometric import Resize, resize_image
from dareg.datasets.transforms.resized_crop import CenterCrop, RandomResizedCrop, random_resized_window


def image(height=30, width=40):
    return np.arange(height * width * 3, dtype=np.uint32).reshape(height, width, 3).astype(np.uint8)


def run(transform, img, seed):
    return transform({"img": img.copy(), "rng": np.random.default_rng(seed)})


def test_random_resized_crop_shape_and_seeded_determinism():
    crop = RandomResizedCrop(size=(12, 16))
    first, again, other = run(crop, image(), 3), run(crop, image(), 3), run(crop, image(), 4)
    assert first["img"].shape == (12, 16, 3) and first["img_shape"] == (12, 16)
    assert first["crop_window"] == again["crop_window"] and np.array_equal(first["img"], again["img"])
    assert other["crop_window"] != first["crop_window"]
    windows = {run(crop, image(), seed)["crop_window"] for seed in range(20)}
    assert len(windows) > 15  # different seeds, different windows


def test_windows_respect_scale_and_ratio_and_cover_positions():
    rng = np.random.default_rng(0)
    height, width = 256, 256
    areas, ratios, lefts = [], [], []
    for _ in range(2000):
        top, left, crop_h, crop_w = random_resized_window(height, width, rng)
        assert 0 <= top <= height - crop_h and 0 <= left <= width - crop_w
        areas.append(crop_h * crop_w / (height * width))
        ratios.append(crop_w / crop_h)
        lefts.append((left, left + crop_w))
    # rounding the sides to pixels moves area and ratio by a little beyond the drawn ranges
    assert min(areas) >= 0.08 * 0.97 and max(areas) <= 1.0
    assert min(ratios) >= 0.75 * 0.97 and max(ratios) <= 4 / 3 * 1.03
    # the aspect ratio is log-uniform: as many draws below 1 as above
    assert abs(np.mean(np.log(ratios) < 0) - 0.5) < 0.05
    # accepted draws: area s ~ U(0.08, 1) and log-ratio t ~ U(-log 4/3, log 4/3), kept when the window
    # fits the square, s <= exp(-|t|); E[s | fits] = mean_t (b^2 - 0.08^2) / 2 / mean_t (b - 0.08), b = exp(-|t|)
    bound = np.exp(-np.abs(np.linspace(-math.log(4 / 3), math.log(4 / 3), 100001)))
    expected = np.mean((bound**2 - 0.08**2) / 2) / np.mean(bound - 0.08)
    assert abs(np.mean(areas) - expected) < 0.02, expected
    assert min(start for start, _ in lefts) == 0 and max(end for _, end in lefts) == width  # both edges reached


def test_fallback_is_the_centred_window_clamped_to_the_ratio():
    # a very tall image: no drawn window of area >= 0.9 fits, so the fallback is used
    rng = np.random.default_rng(0)
    top, left, crop_h, crop_w = random_resized_window(400, 20, rng, scale=(0.9, 1.0))
    assert (crop_w, crop_h) == (20, round(20 / 0.75)) and top == (400 - crop_h) // 2 and left == 0
    assert random_resized_window(30, 30, rng, scale=(1.0, 1.0), ratio=(2.0, 2.0)) == (7, 0, 15, 30)
    assert random_resized_window(10, 10, rng, scale=(1.0, 1.0), ratio=(0.1, 10.0))[2:] in {(10, 10)}


def test_random_resized_crop_rejects_bad_ranges():
    with pytest.raises(ValueError, match="scale must be"):
        RandomResizedCrop(scale=(0.5, 0.1))
    with pytest.raises(ValueError, match="at most 1"):
        RandomResizedCrop(scale=(0.5, 1.5))
    with pytest.raises(ValueError, match="ratio must be"):
        RandomResizedCrop(ratio=(0, 1))


def test_center_crop_offsets_and_error():
    img = image(7, 9)
    out = CenterCrop(size=(3, 4))({"img": img})
    # torchvision: top = round((7 - 3) / 2) = 2, left = round((9 - 4) / 2) = round(2.5) = 2
    assert np.array_equal(out["img"], img[2:5, 2:6]) and out["img_shape"] == (3, 4)
    with pytest.raises(ValueError, match=r"CenterCrop of \(8, 8\) does not fit an image of \(7, 9\) \(a.jpg\)"):
        CenterCrop(size=8)({"img": img, "img_path": "a.jpg"})


def test_antialiased_resize_filters_when_shrinking_and_interpolates_when_growing():
    stripes = np.tile(np.array([0, 255, 0], np.uint8), (16, 11))  # 16 x 33, one bright column in three
    plain = cv2.resize(stripes, (11, 4), interpolation=cv2.INTER_LINEAR)
    smooth = resize_image(stripes, (11, 4), cv2.INTER_LINEAR, antialias=True)
    assert (smooth == 85).all()  # each output pixel averages its three columns: 255 / 3
    assert (plain == 255).all()  # OpenCV's bilinear samples the middle column only: aliasing
    small = np.array([[0, 100], [200, 255]], np.uint8)
    grown = resize_image(small, (4, 4), cv2.INTER_LINEAR, antialias=True)
    assert np.array_equal(grown, cv2.resize(small, (4, 4), interpolation=cv2.INTER_LINEAR))
    # one axis shrinks, the other grows (VisDA's 384 x 216 renderings -> 256 x 256)
    mixed = resize_image(stripes, (11, 40), cv2.INTER_LINEAR, antialias=True)
    assert mixed.shape == (40, 11) and (mixed == 85).all()
    out = Resize(scale=(11, 4), antialias=True)({"img": stripes})
    assert np.array_equal(out["img"], smooth) and out["img_shape"] == (4, 11)
    assert np.array_equal(Resize(scale=(11, 4))({"img": stripes})["img"], plain)  # default unchanged


def test_crop_then_resize_keeps_content_orientation():
    img = np.zeros((20, 20, 3), np.uint8)
    img[:, 10:] = 200  # right half bright
    out = run(RandomResizedCrop(size=10, scale=(1.0, 1.0), ratio=(1.0, 1.0)), img, 0)
    assert out["crop_window"] == (0, 0, 20, 20)
    assert out["img"][:, :4].max() == 0 and out["img"][:, 6:].min() == 200
    assert math.isclose(out["img"].mean(), img.mean(), rel_tol=0.05)
