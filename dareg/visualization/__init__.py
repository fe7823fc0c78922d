"""Palettes, image grids and visualisers."""

from dareg.visualization.palette import colorize, palette_lut

__all__ = ["colorize", "palette_lut"]
