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


#: Set by ``Resize(keep_seg=True)``: the label maps keep their size on purpose (evaluation at full
#: label resolution), so ``PackInputs`` does not compare them with the resized image.
SEG_SIZE_KEPT = "seg_size_kept"


def file_image_size(results: dict) -> tuple[int, int]:
    """The image's ``(height, width)`` in its file: ``ori_shape`` if it was decoded reduced, else its size.

    ``LoadImageFromFile(min_size=...)`` may decode an image at 1/2, 1/4 or 1/8 of its size (label
    maps are never reduced); ``Resize`` compares label maps with this size, not the decoded one.
    """
    if results.get("decode_reduction", 1) > 1:
        return tuple(int(v) for v in results["ori_shape"][:2])
    return tuple(results["img"].shape[:2])


def label_size_mismatch(results: dict, image_size: tuple[int, int] | None = None) -> str | None:
    """The first label map whose size differs from the image's, described with both files, or None.

    ``image_size`` replaces the image's current size (``Resize`` passes :func:`file_image_size`).
    """
    image_size = tuple(results["img"].shape[:2]) if image_size is None else tuple(image_size)
    for key in SEG_KEYS:
        if key in results and tuple(results[key].shape[:2]) != image_size:
            label_size = tuple(results[key].shape[:2])
            return (
                f"the image {results.get('img_path', '(in memory)')} is {image_size[0]}x{image_size[1]} "
                f"(height x width) but its label map {results.get('seg_path', '(in memory)')} ({key}) is "
                f"{label_size[0]}x{label_size[1]}"
            )
    return None


def check_label_size(results: dict, step: str, consequence: str, image_size: tuple[int, int] | None = None) -> None:
    """Fail, naming both files, if a label map's size differs from the image's.

    Args:
        results: The sample.
        step: The transform that needs them aligned, for the message.
        consequence: What would go wrong, for the message.
        image_size: The size to compare with instead of the image's current one. Defaults to None.

    Raises:
        ValueError: The sizes differ.
    """
    mismatch = label_size_mismatch(results, image_size)
    if mismatch is not None:
        raise ValueError(
            f"{step}: {mismatch}; {consequence}. Check that the label belongs to the image (same name, same "
            "resolution). To use pairs whose sizes differ on purpose, resize both to one size first "
            "(Resize with a fixed scale and keep_ratio=False, before any crop), as the AdaptSegNet reference "
            "does for the few GTA5 frames whose label differs in size."
        )
