"""Segmentors registered in dareg's SEGMENTORS registry."""
