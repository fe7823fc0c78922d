"""Metrics: mIoU for segmentation, accuracy for classification, FID/KID for translation."""

from dareg.evaluation.accuracy import Accuracy
from dareg.evaluation.inception_metric import InceptionMetrics
from dareg.evaluation.iou_metric import IoUMetric

__all__ = ["Accuracy", "InceptionMetrics", "IoUMetric"]
