"""Adaptation algorithms, registered in ``ALGORITHMS``."""

from dareg.algorithms.base import BaseAlgorithm

__all__ = ["BaseAlgorithm"]
