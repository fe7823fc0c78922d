"""Metrics: mIoU for segmentation, accuracy for classification."""

from dareg.evaluation.accuracy import Accuracy  # noqa: F401
from dareg.evaluation.iou_metric import IoUMetric  # noqa: F401
