"""Digit readers on tiny files written in the real formats: content, subsets, scaling, errors."""

import gzip

import numpy as np
import pytest
import torch
from fixtures.digit_files import (
    write_mnist_idx,
    write_mnistm_folder,
    write_svhn_mat,
    write_usps_h5,
    write_usps_text,
)

from dareg.datasets.digits import MNISTDataset, MNISTMDataset, SVHNDataset, USPSDataset
from dareg.models.data_preprocessor import DomainDataPreprocessor


def stacked(dataset):
    items = [dataset[i] for i in range(len(dataset))]
    images = torch.stack([item["inputs"] for item in items]).numpy()
    labels = np.array([int(item["data_samples"]["gt_label"]) for item in items])
    return images, labels


def as_chw(images):
    return images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_plain_and_gzipped(tmp_path, gz):
    expected = write_mnist_idx(tmp_path, n=12, gz=gz)
    for split in ("train", "test"):
        images, labels = stacked(MNISTDataset(data_root=str(tmp_path), split=split))
        np.testing.assert_array_equal(images, as_chw(expected[split][0]))
        np.testing.assert_array_equal(labels, expected[split][1])
        assert images.dtype == np.uint8


def test_mnist_in_torchvision_layout(tmp_path):
    expected = write_mnist_idx(tmp_path / "MNIST" / "raw", n=5, gz=True)
    images, labels = stacked(MNISTDataset(data_root=str(tmp_path), split="test"))
    np.testing.assert_array_equal(labels, expected["test"][1])


def test_mnist_fixed_subset_is_deterministic_and_seeded(tmp_path):
    expected = write_mnist_idx(tmp_path, n=30)
    first = MNISTDataset(data_root=str(tmp_path), subset_size=8, subset_seed=3)
    again = MNISTDataset(data_root=str(tmp_path), subset_size=8, subset_seed=3)
    other = MNISTDataset(data_root=str(tmp_path), subset_size=8, subset_seed=4)
    assert len(first) == 8
    np.testing.assert_array_equal(stacked(first)[0], stacked(again)[0])
    assert not np.array_equal(stacked(first)[0], stacked(other)[0])
    # the subset is made of real samples of the split
    rows = {image.tobytes() for image in expected["train"][0]}
    assert all(image[0].tobytes() in rows for image in stacked(first)[0])


@pytest.mark.parametrize("gz", [False, True])
def test_usps_text_rescaled_from_minus_one_one(tmp_path, gz):
    expected = write_usps_text(tmp_path, n=10, gz=gz)
    images, labels = stacked(USPSDataset(data_root=str(tmp_path), split="test"))
    np.testing.assert_array_equal(images, as_chw(expected["test"][0]))  # exact after rounding
    np.testing.assert_array_equal(labels, expected["test"][1])
    assert images.shape[-2:] == (16, 16)


def test_usps_h5_and_format_choice(tmp_path):
    expected = write_usps_h5(tmp_path, n=10)
    images, labels = stacked(USPSDataset(data_root=str(tmp_path), split="train"))
    np.testing.assert_array_equal(images, as_chw(expected["train"][0]))
    np.testing.assert_array_equal(labels, expected["train"][1])
    write_usps_text(tmp_path, n=4, seed=5)  # text files present: "auto" prefers them, "h5" does not
    assert len(USPSDataset(data_root=str(tmp_path))) == 4
    assert len(USPSDataset(data_root=str(tmp_path), file_format="h5")) == 10


def test_svhn_mat_label_ten_is_zero_and_bgr(tmp_path):
    expected = write_svhn_mat(tmp_path, n=12)
    images, labels = stacked(SVHNDataset(data_root=str(tmp_path), split="train"))
    np.testing.assert_array_equal(images, as_chw(expected["train"][0]))
    np.testing.assert_array_equal(labels, expected["train"][1])
    assert 0 in labels and labels.max() == 9
    grey, _ = stacked(
        SVHNDataset(
            data_root=str(tmp_path), channels=1, pipeline=[dict(type="Resize", scale=(28, 28)), dict(type="PackInputs")]
        )
    )
    assert grey.shape[1:] == (1, 28, 28)  # ADDA's SVHN -> MNIST input


def test_mnistm_folder(tmp_path):
    expected = write_mnistm_folder(tmp_path, n=6)
    images, labels = stacked(MNISTMDataset(data_root=str(tmp_path), split="test"))
    np.testing.assert_array_equal(images, as_chw(expected["test"][0]))
    np.testing.assert_array_equal(labels, expected["test"][1])
    resized = MNISTMDataset(
        data_root=str(tmp_path), pipeline=[dict(type="Resize", scale=(32, 32)), dict(type="PackInputs")]
    )
    assert resized[0]["inputs"].shape == (3, 32, 32)


def test_mnist_and_usps_share_one_scaling(tmp_path):
    """The same white-on-black digit through both readers: same range, same values after resize."""
    digit = np.zeros((1, 16, 16), np.uint8)
    digit[0, 3:13, 7:9] = 255  # a "1"
    digit[0, 3:5, 5:9] = 128
    import cv2

    mnist_digit = cv2.resize(digit[0], (28, 28), interpolation=cv2.INTER_LINEAR)[None]
    write_mnist_idx(tmp_path / "mnist", images=mnist_digit, labels=[1])
    write_usps_text(tmp_path / "usps_text", images=digit, labels=[1])
    write_usps_h5(tmp_path / "usps_h5", images=digit, labels=[1])
    resize = [dict(type="Resize", scale=(28, 28)), dict(type="PackInputs")]
    mnist = MNISTDataset(data_root=str(tmp_path / "mnist"))[0]["inputs"]
    outputs = [mnist] + [
        USPSDataset(data_root=str(tmp_path / name), pipeline=resize)[0]["inputs"] for name in ("usps_text", "usps_h5")
    ]
    for inputs in outputs:
        assert inputs.dtype == torch.uint8 and inputs.shape == (1, 28, 28)
        assert int(inputs.min()) == 0 and int(inputs.max()) == 255  # black background, white ink
        np.testing.assert_array_equal(inputs.numpy(), outputs[0].numpy())
    normalised = DomainDataPreprocessor(mean=[127.5], std=[127.5])(
        {"source": {"inputs": outputs[0][None]}, "target": {"inputs": outputs[1][None]}}, training=True
    )
    assert torch.equal(normalised["source"]["inputs"], normalised["target"]["inputs"])
    assert normalised["source"]["inputs"].min() == -1 and normalised["source"]["inputs"].max() == 1


def test_channels_option_converts(tmp_path):
    write_mnist_idx(tmp_path, n=4)
    rgb = MNISTDataset(data_root=str(tmp_path), channels=3)[0]["inputs"]
    assert rgb.shape == (3, 28, 28) and torch.equal(rgb[0], rgb[2])


@pytest.mark.parametrize(
    "dataset, names",
    [
        (MNISTDataset, ["train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]", "yann.lecun.com"]),
        (USPSDataset, ["zip.train[.gz]", "usps.h5", "hastie"]),
        (SVHNDataset, ["train_32x32.mat", "ufldl.stanford.edu"]),
        (MNISTMDataset, ["mnist_m_train/00000000.png", "mnist_m_train_labels.txt", "make_mnistm.py"]),
    ],
)
def test_missing_files_name_the_layout_and_source(tmp_path, dataset, names):
    with pytest.raises(FileNotFoundError) as error:
        dataset(data_root=str(tmp_path / "nowhere"))
    for name in names:
        assert name in str(error.value)


def test_malformed_files_fail_with_the_file_and_problem(tmp_path):
    write_mnist_idx(tmp_path, n=4, gz=True)
    # labels and images swapped: magic numbers disagree
    (tmp_path / "train-images-idx3-ubyte.gz").rename(tmp_path / "swap")
    (tmp_path / "train-labels-idx1-ubyte.gz").rename(tmp_path / "train-images-idx3-ubyte.gz")
    (tmp_path / "swap").rename(tmp_path / "train-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz.*magic number 2049, expected 2051"):
        MNISTDataset(data_root=str(tmp_path))
    # truncated idx file
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "rb") as handle:
        data = handle.read()
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(data[:-5])
    with pytest.raises(ValueError, match="header says"):
        MNISTDataset(data_root=str(tmp_path), split="test")
    # USPS text row of the wrong length, values out of range
    (tmp_path / "zip.train").write_text("1 " + " 0" * 200 + "\n")
    with pytest.raises(ValueError, match="rows of 257"):
        USPSDataset(data_root=str(tmp_path))
    (tmp_path / "zip.train").write_text("1 " + " 3.0" * 256 + "\n")
    with pytest.raises(ValueError, match=r"expected -1.0..1.0"):
        USPSDataset(data_root=str(tmp_path))
    # MNIST-M label list naming a missing image
    write_mnistm_folder(tmp_path / "mnistm", n=2)
    (tmp_path / "mnistm" / "mnist_m_train" / "00000001.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"00000001.png \(missing\)"):
        MNISTMDataset(data_root=str(tmp_path / "mnistm"))
    (tmp_path / "mnistm" / "mnist_m_test_labels.txt").write_text("00000000.png\n")
    with pytest.raises(ValueError, match="line 1"):
        MNISTMDataset(data_root=str(tmp_path / "mnistm"), split="test")
    # SVHN file without the expected keys
    from scipy.io import savemat

    savemat(tmp_path / "test_32x32.mat", {"images": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="must hold 'X'"):
        SVHNDataset(data_root=str(tmp_path), split="test")
