"""Losses registered in dareg's LOSSES registry."""

from dareg.models.losses.cross_entropy import CrossEntropyLoss, PseudoLabelCrossEntropyLoss
from dareg.models.losses.cycle_loss import CycleConsistencyLoss, IdentityLoss
from dareg.models.losses.feature_distance import ImageNetFeatureDistance
from dareg.models.losses.feature_matching_loss import FeatureMatchingLoss
from dareg.models.losses.gan_loss import GANLoss
from dareg.models.losses.margin_disparity import MarginDisparityLoss
from dareg.models.losses.semantic_consistency_loss import SemanticConsistencyLoss

__all__ = [
    "CrossEntropyLoss",
    "CycleConsistencyLoss",
    "FeatureMatchingLoss",
    "GANLoss",
    "IdentityLoss",
    "ImageNetFeatureDistance",
    "MarginDisparityLoss",
    "PseudoLabelCrossEntropyLoss",
    "SemanticConsistencyLoss",
]
