"""Building MNIST-M: the difference blend, the released layout, determinism, the CLI."""

from pathlib import Path

import numpy as np
import pytest
from fixtures.digit_files import write_mnist_idx, write_photos
from fixtures.tools import load_tool

from dareg.datasets.digits import MNISTMDataset
from dareg.datasets.digits.mnistm_builder import blend_digit, blend_with_photos, build_mnistm, load_photos

TOOL = Path(__file__).resolve().parents[3] / "tools" / "dataset_converters" / "make_mnistm.py"


def test_blend_is_abs_difference_with_binarised_digit():
    digit = np.array([[0, 1, 200]], np.uint8)  # reference threshold 0: any ink counts fully
    patch = np.array([[[10, 20, 30], [40, 50, 60], [250, 0, 128]]], np.uint8)
    expected = [[[10, 20, 30], [215, 205, 195], [5, 255, 127]]]
    assert blend_digit(digit, patch).tolist() == expected
    assert blend_digit(digit, patch, threshold=1)[0, 1].tolist() == [40, 50, 60]  # below threshold: photo


def test_patches_come_from_the_photos():
    photo = np.arange(6 * 7 * 3, dtype=np.uint8).reshape(6, 7, 3)
    digits = np.zeros((5, 4, 4), np.uint8)  # no ink: output is the patch itself
    out = blend_with_photos(digits, [photo], np.random.default_rng(0))
    windows = {photo[t : t + 4, l : l + 4].tobytes() for t in range(3) for l in range(4)}
    assert all(image.tobytes() in windows for image in out)


def test_build_writes_the_released_layout_read_by_the_dataset(tmp_path):
    expected = write_mnist_idx(tmp_path / "mnist", n=6, gz=True)
    photos = write_photos(tmp_path / "photos")
    counts = build_mnistm(str(tmp_path / "mnist"), str(tmp_path / "photos"), str(tmp_path / "out"), seed=1)
    assert counts == {"train": 6, "test": 6}
    lines = (tmp_path / "out" / "mnist_m_train_labels.txt").read_text().splitlines()
    assert lines[0] == f"00000000.png {expected['train'][1][0]}"
    data = MNISTMDataset(data_root=str(tmp_path / "out"), split="train")
    image = data[0]["inputs"].numpy().transpose(1, 2, 0)
    ink = expected["train"][0][0] > 0
    # ink pixels are 255 - photo, background pixels are the photo: recover the patch and find it
    patch = np.where(ink[..., None], 255 - image, image)
    assert any(
        np.array_equal(patch, photo[t : t + 28, l : l + 28])
        for photo in photos
        for t in range(photo.shape[0] - 27)
        for l in range(photo.shape[1] - 27)
    )
    again = build_mnistm(str(tmp_path / "mnist"), str(tmp_path / "photos"), str(tmp_path / "again"), seed=1)
    assert again == counts
    for split in ("train", "test"):
        for name in ("00000000.png", "00000005.png"):
            first = (tmp_path / "out" / f"mnist_m_{split}" / name).read_bytes()
            assert first == (tmp_path / "again" / f"mnist_m_{split}" / name).read_bytes()


def test_cli_with_progress_and_errors(tmp_path, capsys):
    tool = load_tool("dataset_converters/make_mnistm.py")
    write_mnist_idx(tmp_path / "mnist", n=4)
    write_photos(tmp_path / "photos", count=1)
    tool.main([str(tmp_path / "mnist"), str(tmp_path / "photos"), str(tmp_path / "out"), "--limit", "3"])
    assert "wrote 3 images" in capsys.readouterr().out
    assert len(MNISTMDataset(data_root=str(tmp_path / "out"), split="test")) == 3
    with pytest.raises(SystemExit, match="BSDS500"):
        tool.main([str(tmp_path / "mnist"), str(tmp_path / "no_photos"), str(tmp_path / "out")])
    with pytest.raises(SystemExit, match="train-images-idx3-ubyte"):
        tool.main([str(tmp_path / "nothing"), str(tmp_path / "photos"), str(tmp_path / "out")])


def test_small_photos_are_skipped_and_none_left_fails(tmp_path):
    write_photos(tmp_path, count=2, size=(20, 40))
    with pytest.raises(FileNotFoundError, match="No usable photos"):
        load_photos(str(tmp_path))
