"""Digit datasets: MNIST, USPS, SVHN, MNIST-M readers and the embedded (download-free) pair."""

from dareg.datasets.digits.common import DIGIT_CLASSES, InMemoryDigitsDataset, convert_channels
from dareg.datasets.digits.embedded import EmbeddedDigitsDataset

__all__ = ["DIGIT_CLASSES", "EmbeddedDigitsDataset", "InMemoryDigitsDataset", "convert_channels"]
