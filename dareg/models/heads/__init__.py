"""Heads registered in dareg's HEADS registry."""
from dareg.models.heads import (
    aspp,  # noqa: F401
    linear_cls_head,  # noqa: F401
)
