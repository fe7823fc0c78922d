"""Digit datasets: MNIST, USPS, SVHN, MNIST-M readers and the two embedded (download-free) pairs.

Every reader yields uint8 images on 0..255 (grey, or BGR colour), white digits on black for MNIST
and USPS, labels 0..9; see :mod:`dareg.datasets.digits.common`.
"""

from dareg.datasets.digits.common import DIGIT_CLASSES, InMemoryDigitsDataset, convert_channels
from dareg.datasets.digits.embedded import EmbeddedDigitsDataset
from dareg.datasets.digits.fonts import FontDigitsDataset, HandwrittenDigitsDataset
from dareg.datasets.digits.mnist import MNISTDataset
from dareg.datasets.digits.mnistm import MNISTMDataset
from dareg.datasets.digits.svhn import SVHNDataset
from dareg.datasets.digits.usps import USPSDataset

__all__ = [
    "DIGIT_CLASSES",
    "EmbeddedDigitsDataset",
    "FontDigitsDataset",
    "HandwrittenDigitsDataset",
    "InMemoryDigitsDataset",
    "MNISTDataset",
    "MNISTMDataset",
    "SVHNDataset",
    "USPSDataset",
    "convert_channels",
]
