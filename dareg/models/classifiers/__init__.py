"""Classifiers registered in dareg's CLASSIFIERS registry."""
from dareg.models.classifiers import image_classifier  # noqa: F401
