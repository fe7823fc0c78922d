"""Palettes, image grids and visualisers."""
from dareg.visualization.palette import colorize, palette_lut  # noqa: F401
