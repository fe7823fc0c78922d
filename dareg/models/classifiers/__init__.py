"""Classifiers registered in dareg's CLASSIFIERS registry."""
