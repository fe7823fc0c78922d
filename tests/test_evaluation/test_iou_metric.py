"""IoUMetric on hand-computed confusion matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dareg.evaluation.iou_metric import IoUMetric, confusion_matrix, segmentation_scores
from dareg.registry import METRICS


def test_confusion_matrix_counts_and_ignores():
    gt = torch.tensor([[0, 0, 1, 2], [2, 255, 3, 1]])
    pred = torch.tensor([[0, 1, 1, 2], [0, 2, 0, 1]])
    # label 255 and label 3 (>= num_classes) are ignored
    expected = [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert confusion_matrix(pred, gt, num_classes=3).tolist() == expected


def test_confusion_matrix_rejects_bad_inputs():
    with pytest.raises(ValueError, match="upsample"):
        confusion_matrix(torch.zeros(2, 3), torch.zeros(3, 2), 3)
    with pytest.raises(ValueError, match="num_classes"):
        confusion_matrix(torch.tensor([5]), torch.tensor([0]), 3)


def test_metric_on_hand_computed_case():
    # Two images; class 2 never appears in ground truth nor prediction -> nan, skipped by the mean.
    # Rows gt, columns pred, accumulated over both images:
    #   gt 0: pred 0 x3, pred 1 x1      gt 1: pred 1 x2, pred 3 x1     gt 3: pred 3 x2, pred 0 x1
    first = {"pred_seg": torch.tensor([[0, 0, 1], [1, 3, 3]]), "gt_seg": torch.tensor([[0, 0, 0], [1, 1, 3]])}
    second = {"pred_seg": torch.tensor([[0, 1, 3], [0, 2, 2]]), "gt_seg": torch.tensor([[0, 1, 3], [3, 255, 255]])}
    metric = IoUMetric(num_classes=4)
    metric.dataset_meta = dict(classes=("road", "sidewalk", "building", "car"))
    metric.process({}, [first, second])
    result = metric.evaluate(size=2)
    # IoU: class 0: TP 3, FP 1, FN 1 -> 3/5; class 1: TP 2, FP 1, FN 1 -> 2/4; class 3: TP 2, FP 1, FN 1 -> 2/4
    miou = (3 / 5 + 2 / 4 + 2 / 4) / 3
    # acc: 3/4, 2/3, 2/3; aAcc: 7 / 10
    macc = (3 / 4 + 2 / 3 + 2 / 3) / 3
    assert result["mIoU"] == pytest.approx(100 * miou, abs=0.01)
    assert result["mAcc"] == pytest.approx(100 * macc, abs=0.01)
    assert result["aAcc"] == pytest.approx(70.0)
    assert set(result) == {"mIoU", "aAcc", "mAcc"}


def test_scores_and_table_with_class_names(caplog):
    matrix = np.array([[5, 0, 0], [1, 3, 0], [0, 0, 0]])
    scores = segmentation_scores(matrix)
    assert scores["iou"][:2].tolist() == pytest.approx([5 / 6, 3 / 4])
    assert math.isnan(scores["iou"][2]) and math.isnan(scores["acc"][2])
    metric = IoUMetric(num_classes=3)
    metric.dataset_meta = dict(classes=("road", "sidewalk", "sky"))
    table = metric.format_table(scores)
    assert "sidewalk" in table and "75.00" in table and "83.33" in table and "nan" in table
    assert IoUMetric(num_classes=3, class_names=["a", "b", "c"]).names() == ("a", "b", "c")
    assert IoUMetric(num_classes=2).names() == ("0", "1")


def test_prefix_built_from_registry_and_errors():
    metric = METRICS.build(dict(type="IoUMetric", num_classes=2, prefix="target"))
    metric.process({}, [{"pred_seg": torch.tensor([0, 1]), "gt_seg": torch.tensor([0, 1])}])
    assert metric.evaluate(size=1) == {"target/mIoU": 100.0, "target/aAcc": 100.0, "target/mAcc": 100.0}
    with pytest.raises(KeyError, match="pred_seg"):
        metric.process({}, [{"pred_label": 1, "gt_label": 1}])
    with pytest.raises(ValueError, match="class_names"):
        IoUMetric(num_classes=2, class_names=["a"])


def test_bincount_matches_a_loop_on_random_maps():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 6, size=(17, 23))
    gt[rng.random(gt.shape) < 0.1] = 255
    pred = rng.integers(0, 5, size=(17, 23))
    expected = np.zeros((5, 5), dtype=np.int64)
    for g, p in zip(gt.ravel(), pred.ravel()):
        if g < 5:
            expected[g, p] += 1
    assert confusion_matrix(torch.from_numpy(pred), torch.from_numpy(gt), 5).numpy().tolist() == expected.tolist()


def test_confusion_table_shows_where_each_class_goes(monkeypatch):
    # gt 0 (road): 8 pixels as road, 2 as vegetation; gt 1 (vegetation): 1 right, 3 as building; gt 2 unseen
    matrix = np.array([[8, 2, 0], [0, 1, 3], [0, 0, 0]])
    metric = IoUMetric(num_classes=3, class_names=("road", "vegetation", "building"), show_confusion=True)
    rows = metric.format_confusion(matrix).splitlines()[2:]
    assert rows[0].split("|")[1].split() == ["80.0", "20.0", "0.0"]
    assert rows[1].split("|")[1].split() == ["0.0", "25.0", "75.0"]
    assert rows[2].split("|")[1].split() == ["nan", "nan", "nan"]
    logged = []
    monkeypatch.setattr("dareg.evaluation.iou_metric.print_log", lambda message, **kwargs: logged.append(message))
    metric.compute_metrics([matrix])
    assert any("confusion" in message and "75.0" in message for message in logged)
    logged.clear()
    IoUMetric(num_classes=3).compute_metrics([matrix])
    assert not any("confusion" in message for message in logged)
