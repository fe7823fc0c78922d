"""Generators registered in dareg's GENERATORS registry."""
