"""ImageListDataset: parsing ``relative/path label`` lists, class names, and errors naming file and line."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from dareg.datasets.image_list import ImageListError, parse_image_list
from dareg.registry import DATASETS


def write_images(root, names):
    for name in names:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        cv2.imwrite(path, np.full((6, 8, 3), 50, np.uint8))


def write_list(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    return str(path)


def build(root, ann_file="list.txt", **kwargs):
    kwargs.setdefault("serialize_data", False)  # mmengine's gc.collect() after serialising costs ~1 s here
    return DATASETS.build(dict(type="ImageListDataset", ann_file=ann_file, data_root=str(root), **kwargs))


def test_parses_paths_with_spaces_blank_lines_and_absolute_paths(tmp_path):
    write_images(tmp_path, ["imgs/mug/a b.png", "imgs/pen/c.png"])
    absolute = os.path.join(tmp_path, "imgs", "pen", "c.png")
    write_list(tmp_path / "list.txt", f"imgs/mug/a b.png 2\n\n   \n{absolute} 0\n")
    data = build(tmp_path, num_classes=3)
    assert len(data) == 2
    assert data.get_data_info(0)["img_path"] == os.path.join(str(tmp_path), "imgs/mug/a b.png")
    assert data.get_data_info(1)["img_path"] == absolute  # absolute paths are kept
    item = data[0]
    assert tuple(item["inputs"].shape) == (3, 6, 8) and int(item["data_samples"]["gt_label"]) == 2
    assert data.metainfo["classes"] == ("0", "1", "2")  # by index unless asked otherwise
    assert [line for _, _, line in parse_image_list(str(tmp_path / "list.txt"))] == [1, 4]


def test_class_names_from_folders_and_given_names(tmp_path):
    write_images(tmp_path, ["d/bike/1.png", "d/bike/2.png", "d/mug/1.png"])
    write_list(tmp_path / "list.txt", "d/bike/1.png 1\nd/mug/1.png 3\nd/bike/2.png 1\n")
    assert build(tmp_path, num_classes=4, class_from_folder=True).metainfo["classes"] == ("0", "bike", "2", "mug")
    assert build(tmp_path, class_from_folder=True).metainfo["classes"] == ("0", "bike", "2", "mug")  # max label + 1
    names = ("a", "b", "c", "d")
    assert build(tmp_path, class_names=names).metainfo["classes"] == names
    with pytest.raises(ValueError, match="2 class_names given for num_classes=4"):
        build(tmp_path, num_classes=4, class_names=("a", "b"))


def test_a_label_in_two_class_folders_names_both_lines(tmp_path):
    write_images(tmp_path, ["d/bike/1.png", "d/mug/1.png"])
    write_list(tmp_path / "list.txt", "d/bike/1.png 1\nd/mug/1.png 1\n")
    with pytest.raises(
        ImageListError, match=r"label 1 names images in two class folders, 'bike' \(line 1\) and 'mug' "
    ):
        build(tmp_path, class_from_folder=True)
    assert len(build(tmp_path)) == 2  # without class_from_folder the folders do not matter


@pytest.mark.parametrize(
    "text,message",
    [
        ("d/a.png 0\nd/b.png\n", r"line 2: 'd/b.png': expected 'relative/path label'"),
        ("d/a.png 0\nd/b.png one\n", r"line 2: 'd/b.png one': the label 'one' is not an integer"),
        ("d/a.png 3\n", r"line 1: 'd/a.png 3': label 3 is outside \[0, 3\)"),
        ("d/a.png -1\n", r"line 1: 'd/a.png -1': label -1 is outside \[0, 3\)"),
        ("\n\n", r"the image list has no entries"),
    ],
)
def test_malformed_lines_name_the_file_and_line(tmp_path, text, message):
    path = write_list(tmp_path / "lists" / "bad.txt", text)
    with pytest.raises(ImageListError, match=message) as info:
        build(tmp_path, ann_file="lists/bad.txt", num_classes=3)
    assert path in str(info.value)


def test_missing_image_names_the_line_and_the_path(tmp_path):
    write_images(tmp_path, ["d/a.png"])
    write_list(tmp_path / "list.txt", "d/a.png 0\nd/missing.png 1\n")
    with pytest.raises(ImageListError, match=r"list.txt, line 2: the image 'd/missing.png' does not exist") as info:
        build(tmp_path)
    assert os.path.join(str(tmp_path), "d", "missing.png") in str(info.value)
    data = build(tmp_path, check_files=False)  # the check can be switched off; reading then fails by name
    with pytest.raises(FileNotFoundError, match="missing.png"):
        data[1]


def test_missing_list_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Image list not found: .*nowhere.txt"):
        build(tmp_path, ann_file="nowhere.txt")
