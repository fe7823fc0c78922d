"""Class pixel statistics: counted after the label table, cached under a key the data controls."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dareg.datasets import GTA5Dataset
from dareg.datasets.class_stats import class_pixel_counts, count_classes
from tests.fixtures.segmentation_layouts import raw_label_ids, write_gta5_layout

#: Cityscapes label id -> train id of the ids the fixture draws (void ids -> 255).
TRAIN_IDS = {23: 10, 11: 2, 21: 8, 17: 5, 26: 13, 24: 11, 0: 255, 8: 1, 7: 0, 33: 18, 15: 255}


def expected_counts(n: int, size=(64, 32)) -> np.ndarray:
    rows = []
    for index in range(n):
        train = np.vectorize(TRAIN_IDS.get)(raw_label_ids(size, index))
        rows.append([int((train == c).sum()) for c in range(19)])
    return np.array(rows)


def test_counts_classes_below_num_classes_only():
    label = np.array([[0, 0, 2], [255, 2, 2]], dtype=np.uint8)
    assert count_classes(label, 4).tolist() == [2, 0, 3, 0]


def test_counts_gta5_labels_after_the_label_table_and_caches_them(tmp_path, monkeypatch):
    root = write_gta5_layout(tmp_path / "gta5", n=3)
    dataset = GTA5Dataset(data_root=root)
    counts = class_pixel_counts(dataset, cache_dir=str(tmp_path / "cache"))
    assert counts.dtype == np.int64 and counts.tolist() == expected_counts(3).tolist()
    cached = os.listdir(tmp_path / "cache" / "class_stats")
    assert len(cached) == 1 and cached[0].startswith("GTA5Dataset-")

    # the second call reads the cache: reading a label now would fail
    monkeypatch.setattr("dareg.datasets.class_stats.label_reader", lambda dataset: pytest.fail("labels re-read"))
    again = class_pixel_counts(GTA5Dataset(data_root=root), cache_dir=str(tmp_path / "cache"))
    assert again.tolist() == counts.tolist()


def test_a_changed_label_file_invalidates_the_cache(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=2)
    cache = str(tmp_path / "cache")
    before = class_pixel_counts(GTA5Dataset(data_root=root), cache_dir=cache)
    # relabel sample 2 as sample 1 (same file size is not guaranteed, the mtime moves on)
    label_2 = os.path.join(root, "labels", "00002.png")
    with open(os.path.join(root, "labels", "00001.png"), "rb") as source, open(label_2, "wb") as target:
        target.write(source.read())
    os.utime(label_2, ns=(os.stat(label_2).st_atime_ns, os.stat(label_2).st_mtime_ns + 10**9))
    after = class_pixel_counts(GTA5Dataset(data_root=root), cache_dir=cache)
    assert after[1].tolist() == before[0].tolist() != before[1].tolist()
    assert len(os.listdir(os.path.join(cache, "class_stats"))) == 2


def test_in_memory_labels_are_counted_without_a_cache(tmp_path):
    from dareg.datasets import SyntheticStreetDataset

    dataset = SyntheticStreetDataset(num_samples=2, image_size=(16, 32))
    counts = class_pixel_counts(dataset, cache_dir=str(tmp_path))
    for index in range(2):
        label = dataset.get_data_info(index)["gt_seg"]
        assert counts[index].tolist() == [int((label == c).sum()) for c in range(8)]
    assert not os.path.exists(tmp_path / "class_stats")


def test_unlabelled_data_is_refused_with_the_reason(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=1)
    with pytest.raises(ValueError, match="loads no labels"):
        class_pixel_counts(GTA5Dataset(data_root=root, with_labels=False), num_classes=19, cache_dir=str(tmp_path))


def test_a_broken_cache_file_is_counted_again_and_replaced(tmp_path):
    root = write_gta5_layout(tmp_path / "gta5", n=2)
    cache = tmp_path / "cache"
    counts = class_pixel_counts(GTA5Dataset(data_root=root), cache_dir=str(cache))
    (path,) = (cache / "class_stats").iterdir()
    path.write_bytes(path.read_bytes()[:20])  # truncated
    with pytest.warns(UserWarning, match="unreadable class statistics cache"):
        again = class_pixel_counts(GTA5Dataset(data_root=root), cache_dir=str(cache))
    assert again.tolist() == counts.tolist()
    assert np.load(path).tolist() == counts.tolist()
