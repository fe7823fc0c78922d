"""Classifiers registered in dareg's CLASSIFIERS registry."""

from dareg.models.classifiers.image_classifier import ImageClassifier

__all__ = ["ImageClassifier"]
