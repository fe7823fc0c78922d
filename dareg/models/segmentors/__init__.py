"""Segmentors registered in dareg's SEGMENTORS registry."""

from dareg.models.segmentors.multi_level_segmentor import MultiLevelSegmentor, resize_logits

__all__ = ["MultiLevelSegmentor", "resize_logits"]
