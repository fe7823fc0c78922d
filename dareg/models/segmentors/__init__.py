"""Segmentors registered in dareg's SEGMENTORS registry."""
from dareg.models.segmentors import multi_level_segmentor  # noqa: F401
