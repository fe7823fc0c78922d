"""Segmentors registered in dareg's SEGMENTORS registry."""

from dareg.models.segmentors.multi_level_segmentor import (
    MultiLevelSegmentor,
    level_suffixes,
    per_level_weights,
    resize_logits,
)

__all__ = ["MultiLevelSegmentor", "level_suffixes", "per_level_weights", "resize_logits"]
