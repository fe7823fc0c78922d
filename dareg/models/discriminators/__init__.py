"""Discriminators registered in dareg's DISCRIMINATORS registry."""
