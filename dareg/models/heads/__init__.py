"""Heads registered in dareg's HEADS registry."""

from dareg.models.heads.aspp import ASPPClassifier
from dareg.models.heads.bottleneck import Bottleneck
from dareg.models.heads.daformer_head import DAFormerHead
from dareg.models.heads.head_pair import HeadPair
from dareg.models.heads.linear_cls_head import LinearClsHead
from dareg.models.heads.mlp_cls_head import MLPClsHead

__all__ = ["ASPPClassifier", "Bottleneck", "DAFormerHead", "HeadPair", "LinearClsHead", "MLPClsHead"]
