"""Helpers shared by dareg's transforms."""

from __future__ import annotations

import numpy as np

#: Keys of a results dict that hold label maps, transformed together with the image.
SEG_KEYS = ("gt_seg",)


def get_rng(results: dict) -> np.random.Generator:
    """The sample's generator (set by the dataset), or one seeded from numpy's global state."""
    rng = results.get("rng")
    if rng is None:
        rng = np.random.default_rng(int(np.random.randint(0, 2**31 - 1)))
        results["rng"] = rng
    return rng
