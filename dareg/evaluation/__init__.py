"""Metrics: mIoU for segmentation, accuracy for classification."""
