"""Palettes, image grids and visualisers."""
