"""Metrics: mIoU for segmentation, accuracy for classification."""

from dareg.evaluation.accuracy import Accuracy
from dareg.evaluation.iou_metric import IoUMetric

__all__ = ["Accuracy", "IoUMetric"]
