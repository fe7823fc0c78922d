"""Semantic segmentation metrics from a confusion matrix: per-class IoU, mIoU, aAcc, mAcc.

The protocol of AdaptSegNet's evaluation (Tsai et al., CVPR 2018, ``compute_iou.py``) and of
mmseg's ``IoUMetric``: a confusion matrix over the evaluated classes, where ground-truth labels
outside ``0..num_classes-1`` (255) are ignored; IoU per class = TP / (TP + FP + FN); mIoU is the
mean over classes whose IoU is defined (nan-mean, classes absent from both ground truth and
prediction are skipped). Reported in percent, as mmseg does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from dareg.registry import METRICS


def confusion_matrix(
    pred: torch.Tensor, target: torch.Tensor, num_classes: int, ignore_index: int = 255
) -> torch.Tensor:
    """Confusion matrix (rows: ground truth, columns: prediction) of one or more label maps.

    Pixels whose ground truth is ``ignore_index`` or outside ``0..num_classes-1`` are skipped.

    Raises:
        ValueError: Shapes differ, or a prediction is outside ``0..num_classes-1``.

    Examples:
        >>> confusion_matrix(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 255]), 2).tolist()
        [[1, 1], [0, 1]]
    """
    pred = torch.as_tensor(pred)
    target = torch.as_tensor(target).to(pred.device)
    if pred.shape != target.shape:
        raise ValueError(
            f"Prediction of shape {tuple(pred.shape)} does not match ground truth of shape {tuple(target.shape)}: "
            "the model must upsample its logits to the label size before the argmax."
        )
    pred, target = pred.reshape(-1).long(), target.reshape(-1).long()
    valid = (target >= 0) & (target < num_classes) & (target != ignore_index)
    pred, target = pred[valid], target[valid]
    if pred.numel() and (int(pred.min()) < 0 or int(pred.max()) >= num_classes):
        raise ValueError(
            f"Predicted labels must lie in 0..{num_classes - 1}, found {int(pred.min())}..{int(pred.max())}: "
            "does the model's number of classes match the metric's num_classes?"
        )
    counts = torch.bincount(target * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def segmentation_scores(matrix: np.ndarray | torch.Tensor) -> dict[str, Any]:
    """Per-class IoU and accuracy, mIoU, aAcc and mAcc (fractions, nan where undefined).

    Examples:
        >>> scores = segmentation_scores(np.array([[3, 1], [0, 2]]))
        >>> scores["iou"].round(3).tolist(), float(scores["aAcc"])
        ([0.75, 0.667], 0.8333333333333334)
    """
    matrix = np.asarray(torch.as_tensor(matrix).cpu(), dtype=np.float64)
    tp = np.diag(matrix)
    gt_total = matrix.sum(axis=1)
    pred_total = matrix.sum(axis=0)
    union = gt_total + pred_total - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, tp / union, np.nan)
        acc = np.where(gt_total > 0, tp / gt_total, np.nan)
    total = matrix.sum()
    nan_mean = lambda values: float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")  # noqa: E731
    return dict(
        iou=iou,
        acc=acc,
        mIoU=nan_mean(iou),
        mAcc=nan_mean(acc),
        aAcc=float(tp.sum() / total) if total > 0 else float("nan"),
    )


@METRICS.register_module()
class IoUMetric(BaseMetric):
    """Mean intersection over union, pixel accuracy and mean class accuracy of label maps.

    Consumes the per-sample dicts of a segmentor's ``predict`` (``pred_seg`` and ``gt_seg``,
    ``H x W`` label maps of the same size), accumulates one confusion matrix and logs a per-class
    table (IoU and accuracy) with the class names.

    Args:
        num_classes: Number of evaluated classes. Defaults to 19 (Cityscapes).
        ignore_index: Ground-truth label that is skipped (any label outside
            ``0..num_classes-1`` is skipped too). Defaults to 255.
        class_names: Names for the table. Defaults to None: ``dataset_meta["classes"]`` when the
            dataset has them, else the class indices.
        prefix: Prefix of the metric names. Defaults to None.
        collect_device: Device used to gather results across processes. Defaults to ``"cpu"``.
        show_confusion: Also log the row-normalised confusion matrix: for each ground-truth class,
            the share (%) of its pixels predicted as each class; where a class's missing pixels
            went. For example ``tools/test.py CONFIG CKPT --cfg-options test_evaluator.show_confusion=True``.
            Defaults to False.

    Returns (of ``evaluate``): ``{"mIoU", "aAcc", "mAcc"}`` in percent.
    """

    default_prefix: str | None = ""  # no prefix (and no mmengine warning about it) unless one is given

    def __init__(
        self,
        num_classes: int = 19,
        ignore_index: int = 255,
        class_names: Sequence[str] | None = None,
        prefix: str | None = None,
        collect_device: str = "cpu",
        show_confusion: bool = False,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.show_confusion = bool(show_confusion)
        if num_classes <= 0:
            raise ValueError(f"IoUMetric: num_classes must be positive, got {num_classes}")
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f"IoUMetric: {len(class_names)} class_names for num_classes={num_classes}")
        self.num_classes = int(num_classes)
        self.ignore_index = int(ignore_index)
        self.class_names = tuple(class_names) if class_names is not None else None

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Add the confusion matrix of each predicted sample (``pred_seg`` against ``gt_seg``)."""
        for sample in data_samples:
            if "pred_seg" not in sample or "gt_seg" not in sample:
                raise KeyError(
                    f"IoUMetric needs 'pred_seg' and 'gt_seg' in every prediction, got keys {sorted(sample)}: "
                    "evaluate with a labelled dataset and a segmentation model."
                )
            matrix = confusion_matrix(sample["pred_seg"], sample["gt_seg"], self.num_classes, self.ignore_index)
            self.results.append(matrix.cpu().numpy())

    def names(self) -> tuple[str, ...]:
        """Class names for the table: ``class_names``, the dataset's classes, or the indices."""
        if self.class_names is not None:
            return self.class_names
        classes = (self.dataset_meta or {}).get("classes")
        if classes is not None and len(classes) == self.num_classes:
            return tuple(str(name) for name in classes)
        return tuple(str(index) for index in range(self.num_classes))

    def compute_metrics(self, results: list) -> dict[str, float]:
        matrix = np.sum(np.stack(results), axis=0) if results else np.zeros((self.num_classes,) * 2)
        scores = segmentation_scores(matrix)
        print_log("\n" + self.format_table(scores), logger=MMLogger.get_current_instance())
        if self.show_confusion:
            print_log("\n" + self.format_confusion(matrix), logger=MMLogger.get_current_instance())
        return {key: round(100.0 * scores[key], 2) for key in ("mIoU", "aAcc", "mAcc")}

    def format_confusion(self, matrix: np.ndarray) -> str:
        """Rows: ground-truth classes; columns: the share (%) of the row's pixels predicted as each class."""
        names = self.names()
        matrix = np.asarray(matrix, dtype=np.float64)
        totals = matrix.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(totals > 0, 100.0 * matrix / totals, np.nan)
        width = max(12, *(len(name) for name in names))
        columns = [name[:8] for name in names]
        lines = [
            "confusion (% of each ground-truth class's pixels, by predicted class):",
            f"{'gt / pred':<{width}} | " + " ".join(f"{c:>8}" for c in columns),
        ]
        for name, row in zip(names, shares):
            lines.append(f"{name:<{width}} | " + " ".join(f"{v:8.1f}" for v in row))
        return "\n".join(lines)

    def format_table(self, scores: dict) -> str:
        """The per-class IoU and accuracy table (percent; ``nan`` for classes never seen)."""
        names = self.names()
        width = max(12, *(len(name) for name in names))
        lines = [
            f"per-class results:\n{'Class':<{width}} | {'IoU':>6} | {'Acc':>6}",
            f"{'-' * width}-+--------+-------",
        ]
        for name, iou, acc in zip(names, scores["iou"], scores["acc"]):
            lines.append(f"{name:<{width}} | {100 * iou:6.2f} | {100 * acc:6.2f}")
        lines.append(f"{'mean':<{width}} | {100 * scores['mIoU']:6.2f} | {100 * scores['mAcc']:6.2f}")
        return "\n".join(lines)
