"""Heads registered in dareg's HEADS registry."""

from dareg.models.heads.aspp import ASPPClassifier
from dareg.models.heads.linear_cls_head import LinearClsHead

__all__ = ["ASPPClassifier", "LinearClsHead"]
