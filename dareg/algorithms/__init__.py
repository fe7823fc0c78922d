"""Adaptation algorithms, registered in ``ALGORITHMS``."""

from dareg.algorithms.base import BaseAlgorithm
from dareg.algorithms.source_only import SourceOnly

__all__ = ["BaseAlgorithm", "SourceOnly"]
