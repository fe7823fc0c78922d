"""Heads registered in dareg's HEADS registry."""
