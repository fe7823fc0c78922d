"""LoadImageFromFile(min_size=...): decoding at 1/2, 1/4, 1/8 of the size, sizes, closeness, labels exact."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from dareg.benchmark.data import psnr, synthetic_label, synthetic_photo
from dareg.datasets.transforms import LoadImageFromFile, LoadIndexedSegMap, LoadSegMap, PackInputs, Resize
from dareg.datasets.transforms.reduced_decode import reduction_factor


def write(tmp_path, name, width, height, seed=0):
    path = tmp_path / name
    cv2.imwrite(str(path), synthetic_photo(np.random.default_rng(seed), width, height), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return str(path)


def run(steps, results):
    for step in steps:
        results = step(results)
    return results


def test_factor_rules():
    # JPEG: the largest factor that keeps both sides at least min_size
    assert reduction_factor("JPEG", (300, 400), (96, 72)) == 4
    assert reduction_factor("JPEG", (300, 400), (101, 72)) == 2
    assert reduction_factor("JPEG", (300, 400), (201, 72)) == 1
    # PNG (decoded at full size by OpenCV anyway): only an exact multiple of min_size
    assert reduction_factor("PNG", (1024, 2048), (1024, 512)) == 2
    assert reduction_factor("PNG", (1052, 1914), (1280, 720)) == 1
    assert reduction_factor("PNG", (1024, 2048), (1000, 500)) == 1


def test_png_at_twice_the_size_equals_full_decode_plus_area_resize(tmp_path):
    path = write(tmp_path, "city.png", 128, 64)
    reduced = LoadImageFromFile(min_size=(64, 32))({"img_path": path})
    assert reduced["img"].shape == (32, 64, 3) and reduced["decode_reduction"] == 2
    assert reduced["ori_shape"] == (64, 128) and reduced["img_shape"] == (32, 64)
    full = cv2.imread(path)
    assert np.array_equal(reduced["img"], cv2.resize(full, (64, 32), interpolation=cv2.INTER_AREA))
    # the config's Cityscapes pipeline: reduced decode + area Resize == full decode + area Resize
    steps = [Resize(scale=(64, 32), interpolation="area"), PackInputs()]
    fast = run([LoadImageFromFile(min_size=(64, 32)), *steps], {"img_path": path})
    slow = run([LoadImageFromFile(), *steps], {"img_path": path})
    assert torch_equal(fast["inputs"], slow["inputs"])
    assert fast["data_samples"]["metainfo"]["ori_shape"] == slow["data_samples"]["metainfo"]["ori_shape"]


def torch_equal(a, b) -> bool:
    return a.shape == b.shape and bool((a == b).all())


def test_png_of_another_size_is_decoded_at_full_size(tmp_path):
    path = write(tmp_path, "gta.png", 96, 52)
    out = LoadImageFromFile(min_size=(40, 20))({"img_path": path})
    assert out["img"].shape == (52, 96, 3) and out["decode_reduction"] == 1


@pytest.mark.parametrize(("size", "min_size", "factor"), [((400, 300), (96, 72), 4), ((400, 300), (101, 72), 2)])
def test_jpeg_decodes_reduced_and_stays_close_to_a_full_decode(tmp_path, size, min_size, factor):
    path = write(tmp_path, "photo.jpg", *size)
    out = LoadImageFromFile(min_size=min_size)({"img_path": path})
    assert out["decode_reduction"] == factor and out["ori_shape"] == (size[1], size[0])
    assert out["img"].shape[1] >= min_size[0] and out["img"].shape[0] >= min_size[1]
    resize = Resize(scale=min_size, antialias=True)
    fast = resize(out)["img"]
    slow = resize(LoadImageFromFile()({"img_path": path}))["img"]
    assert fast.shape == slow.shape == (min_size[1], min_size[0], 3)
    assert psnr(fast, slow) > 35.0


def test_too_small_files_decode_at_full_size_and_grey_ones_reduce_too(tmp_path):
    path = write(tmp_path, "small.jpg", 120, 90)
    out = LoadImageFromFile(min_size=(96, 72))({"img_path": path})
    assert out["img"].shape == (90, 120, 3) and out["decode_reduction"] == 1
    grey = LoadImageFromFile("grayscale", min_size=(30, 20))({"img_path": write(tmp_path, "g.jpg", 120, 90)})
    assert grey["img"].shape == (23, 30) and grey["decode_reduction"] == 4  # libjpeg rounds 22.5 up
    with pytest.raises(ValueError, match="min_size"):
        LoadImageFromFile(min_size=(0, 5))


def test_exif_rotated_jpeg_keeps_the_orientation_of_a_full_decode(tmp_path):
    path = tmp_path / "rotated.jpg"
    image = Image.fromarray(synthetic_photo(np.random.default_rng(1), 200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees: OpenCV decodes it as 100 wide, 200 high
    image.save(path, exif=exif, quality=90)
    full = LoadImageFromFile()({"img_path": str(path)})
    reduced = LoadImageFromFile(min_size=(50, 100))({"img_path": str(path)})
    assert reduced["decode_reduction"] == 2 and reduced["ori_shape"] == full["img"].shape[:2] == (200, 100)
    height, width = full["img"].shape[:2]
    assert reduced["img"].shape[:2] == (height // reduced["decode_reduction"], width // reduced["decode_reduction"])


@pytest.mark.parametrize("loader", [LoadSegMap, LoadIndexedSegMap])
def test_labels_are_exact_with_a_reduced_image(tmp_path, loader):
    image = write(tmp_path, "img.png", 128, 64)
    label = synthetic_label(np.random.default_rng(2), 128, 64)
    Image.fromarray(label).save(tmp_path / "label.png")
    item = {"img_path": image, "seg_path": str(tmp_path / "label.png")}
    # validation: labels kept at the file's size, untouched
    kept = run(
        [LoadImageFromFile(min_size=(64, 32)), loader(), Resize(scale=(64, 32), keep_seg=True), PackInputs()],
        dict(item),
    )
    assert tuple(kept["inputs"].shape) == (3, 32, 64)
    assert np.array_equal(kept["data_samples"]["gt_seg"].numpy(), label)
    # training: labels resized with nearest neighbour from the file's size, as after a full decode
    resized = run([LoadImageFromFile(min_size=(64, 32)), loader(), Resize(scale=(48, 24)), PackInputs()], dict(item))
    expected = cv2.resize(label, (48, 24), interpolation=cv2.INTER_NEAREST)
    assert np.array_equal(resized["data_samples"]["gt_seg"].numpy(), expected)
    # a reduced image whose labels were not resized with it fails instead of training misaligned
    with pytest.raises(ValueError, match="label map"):
        run([LoadImageFromFile(min_size=(64, 32)), loader(), PackInputs()], dict(item))


def test_keep_ratio_resize_after_a_reduced_decode_gives_the_full_decode_size(tmp_path):
    path = write(tmp_path, "odd.jpg", 403, 301)
    resize = Resize(scale=(100, 100), keep_ratio=True, antialias=True)
    fast = resize(LoadImageFromFile(min_size=(134, 100))({"img_path": path}))
    slow = resize(LoadImageFromFile()({"img_path": path}))
    assert fast["decode_reduction"] == 2 and fast["img"].shape == slow["img"].shape


def test_resize_to_the_current_size_returns_the_image_itself():
    image = np.zeros((4, 6, 3), np.uint8)
    assert Resize(scale=(6, 4), interpolation="bicubic")({"img": image})["img"] is image
