"""Metrics: mIoU for segmentation, accuracy for classification."""

from dareg.evaluation.accuracy import Accuracy  # noqa: F401
