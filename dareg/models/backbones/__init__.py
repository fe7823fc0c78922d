"""Backbones registered in dareg's BACKBONES registry."""
