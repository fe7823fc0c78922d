"""Core transforms: loading errors, resize, crop and flip keep image and labels aligned, packing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dareg.datasets.transforms import LoadImageFromFile, LoadSegMap, PackInputs, RandomCrop, RandomFlip, Resize


def labelled(height=6, width=8):
    img = np.arange(height * width * 3, dtype=np.uint8).reshape(height, width, 3)
    seg = np.tile(np.arange(width, dtype=np.uint8), (height, 1))
    return {"img": img, "gt_seg": seg, "rng": np.random.default_rng(0)}


def test_missing_and_corrupt_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        LoadImageFromFile()({"img_path": str(tmp_path / "nope.png")})
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ValueError, match="bad.png"):
        LoadImageFromFile()({"img_path": str(bad)})


def test_seg_map_lut(tmp_path):
    path = tmp_path / "label.png"
    cv2.imwrite(str(path), np.array([[7, 8], [0, 33]], dtype=np.uint8))
    lut = np.full(256, 255, dtype=np.uint8)
    lut[7], lut[8], lut[33] = 0, 1, 18
    out = LoadSegMap()({"seg_path": str(path), "label_lut": lut})
    assert out["gt_seg"].tolist() == [[0, 1], [255, 18]]


def test_resize_uses_nearest_for_labels():
    out = Resize(scale=(16, 12), interpolation="bicubic")(labelled())
    assert out["img"].shape == (12, 16, 3)
    assert set(np.unique(out["gt_seg"])) <= set(range(8))  # no interpolated label values
    kept = Resize(scale=(4, 3), keep_seg=True)(labelled())
    assert kept["img"].shape == (3, 4, 3) and kept["gt_seg"].shape == (6, 8)


def test_crop_and_flip_keep_alignment():
    results = RandomFlip(prob=1.0)(RandomCrop((4, 5))(labelled()))
    # the red channel encodes the column, the label too: they must still agree
    column_from_img = (results["img"][..., 0].astype(int) // 3) % 8
    assert np.array_equal(column_from_img, results["gt_seg"])
    assert results["flip"] is True


def test_crop_too_small_explains():
    with pytest.raises(ValueError, match="pad_if_needed"):
        RandomCrop((10, 10))(labelled())
    padded = RandomCrop((10, 10), pad_if_needed=True)(labelled())
    assert padded["gt_seg"].shape == (10, 10) and (padded["gt_seg"] == 255).any()


def test_pack_inputs():
    packed = PackInputs()({**labelled(), "gt_label": 3, "img_path": "a.png"})
    assert packed["inputs"].shape == (3, 6, 8) and packed["inputs"].dtype.is_floating_point is False
    assert packed["data_samples"]["gt_label"].item() == 3
    assert packed["data_samples"]["gt_seg"].shape == (6, 8)
    assert packed["data_samples"]["metainfo"] == {"img_path": "a.png"}


def sky_over_road(rng_seed: int) -> dict:
    """A 12x4 map: rows 0-7 class 1 (sky), rows 8-11 class 2 (road), column 0 ignored; a seeded rng."""
    label = np.ones((12, 4), np.uint8)
    label[8:] = 2
    label[:, 0] = 255
    return dict(img=np.zeros((12, 4, 3), np.uint8), gt_seg=label, rng=np.random.default_rng(rng_seed))


def test_cat_max_ratio_redraws_windows_dominated_by_one_class():
    # 4x4 windows start at rows 0..8: rows 0-4 see sky only, 5-7 mix it with road (9 or 6 or 3 of 12 labelled
    # pixels are sky: ratios 0.75, 0.5, 0.75 on the dominant class), 8 sees road only.
    def top(transform, seed):
        return int(np.flatnonzero((transform(sky_over_road(seed))["gt_seg"] == 2).any(axis=1)).size)

    plain = [top(RandomCrop(4), seed) for seed in range(200)]
    balanced = [top(RandomCrop(4, cat_max_ratio=0.75), seed) for seed in range(200)]
    # only the window starting at row 6 (6 sky, 6 road) has every class under 75% of the labelled pixels
    assert np.mean([rows == 2 for rows in plain]) < 0.2
    assert np.mean([rows == 2 for rows in balanced]) > 0.6  # 1 - (8/9)^11 = 0.73
    ratio_one = [top(RandomCrop(4, cat_max_ratio=1.0), seed) for seed in range(50)]
    assert ratio_one == plain[:50]  # 1.0 draws once, as without the option


def test_cat_max_ratio_counts_labelled_pixels_only_and_keeps_the_last_window():
    crop = RandomCrop(4, cat_max_ratio=0.75)
    assert not crop._mixed(np.array([[1, 1, 1, 2]]))  # 3 of 4 is 0.75: not under it
    assert crop._mixed(np.array([[1, 1, 255, 255, 2, 255]]))  # 2 of 3 labelled pixels
    assert not crop._mixed(np.array([[1, 255, 255, 255]]))  # one labelled class
    # one class everywhere: no window passes, so 11 windows are drawn (22 offsets) and the last one is kept
    image = np.arange(64, dtype=np.uint8).reshape(8, 8, 1).repeat(3, axis=2)
    single = dict(img=image, gt_seg=np.ones((8, 8), np.uint8), rng=np.random.default_rng(0))
    cropped = RandomCrop(4, cat_max_ratio=0.75)(single)["img"]
    replay = np.random.default_rng(0)
    offsets = [int(replay.integers(0, 5)) for _ in range(22)]
    top, left = offsets[-2:]
    assert np.array_equal(cropped, image[top : top + 4, left : left + 4])
    assert single["rng"].random() == replay.random()  # exactly 22 draws, no more


def test_cat_max_ratio_runs_inside_every_focus_recrop():
    # rows 0-7 sky (1); rows 8-11 the focus class 3 in columns 0-2 and road (2) in column 3. Of the 4x4 windows
    # (top row 0..8), only top 7 and 8 hold more than 8 px of class 3, and top 8 is 12/16 = 0.75 class 3.
    label = np.ones((12, 4), np.uint8)
    label[8:, :3], label[8:, 3] = 3, 2

    def top(transform, seed):
        results = dict(img=np.zeros((12, 4, 3), np.uint8), gt_seg=label, focus_class=3, rng=np.random.default_rng(seed))
        return 8 - int((transform(results)["gt_seg"] == 1).any(axis=1).sum())

    focused = [top(RandomCrop(4, focus_min_pixels=8), seed) for seed in range(100)]
    both = [top(RandomCrop(4, focus_min_pixels=8, cat_max_ratio=0.75), seed) for seed in range(100)]
    assert 0.3 < np.mean([t == 8 for t in focused]) < 0.7  # either focus window
    assert np.mean([t == 7 for t in both]) > 0.95  # the one window that passes both rules


def test_cat_max_ratio_needs_labels_and_a_valid_ratio():
    unlabelled = dict(img=np.zeros((8, 8, 3), np.uint8), img_path="target/0001.png")
    with pytest.raises(KeyError, match=r"target/0001\.png.*LoadIndexedSegMap"):
        RandomCrop(4, cat_max_ratio=0.75)(unlabelled)
    with pytest.raises(ValueError, match="cat_max_ratio must be in"):
        RandomCrop(4, cat_max_ratio=0.0)
