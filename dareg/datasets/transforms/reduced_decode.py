"""Decoding an image at 1/2, 1/4 or 1/8 of its size when the pipeline shrinks it anyway.

libjpeg (libjpeg-turbo in OpenCV's wheels) can decode a JPEG directly at a reduced scale: it runs
a smaller inverse DCT per block, so decoding and the later resize both get cheaper. OpenCV's
``IMREAD_REDUCED_*`` flags use it. For every other format (PNG: GTA5, Cityscapes) OpenCV decodes
the full image and then shrinks it with ``INTER_LINEAR_EXACT``: nothing is saved in the decoder.
At an exact factor of 2 that shrink is the 2x2 average, bit for bit what ``INTER_AREA`` gives, so
for a PNG whose size is exactly ``factor`` times the training size (Cityscapes, 2048x1024 ->
1024x512) the reduced decode replaces "decode + area resize" with an identical, slightly cheaper
"decode + 2x2 average"; other PNG sizes are decoded at full size.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

#: Reduced-decode flags of OpenCV by base flag and factor.
REDUCED_FLAGS = {
    cv2.IMREAD_COLOR: {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8},
    cv2.IMREAD_GRAYSCALE: {
        2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
        4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
        8: cv2.IMREAD_REDUCED_GRAYSCALE_8,
    },
}
#: Formats (Pillow's names) whose decoder scales while decoding.
SCALING_FORMATS = ("JPEG",)
#: EXIF orientations that swap width and height (cv2 applies them while decoding).
TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)


def file_shape(path: str) -> tuple[str, tuple[int, int]] | None:
    """``(format, (height, width))`` of an image file, as OpenCV will decode it, from its header.

    EXIF orientations that rotate by 90 degrees swap the two, as OpenCV's decoder does. None when
    Pillow cannot read the header.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            fmt = image.format or ""
            orientation = image.getexif().get(0x0112, 1) if fmt == "JPEG" else 1
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    if orientation in TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    return fmt, (height, width)


def reduction_factor(fmt: str, shape: Sequence[int], min_size: Sequence[int]) -> int:
    """The largest of 8, 4, 2 at which decoding keeps the image at least ``min_size``, else 1.

    Args:
        fmt: Pillow's format name of the file.
        shape: ``(height, width)`` of the file's image.
        min_size: ``(width, height)`` the decoded image must at least have (OpenCV's order, as
            ``Resize``'s ``scale``).

    Returns:
        The factor. Formats in :data:`SCALING_FORMATS` take any factor that keeps the size; the
        others only one that lands exactly on ``min_size`` (the case where OpenCV's shrink equals an
        area resize to the training size).
    """
    height, width = int(shape[0]), int(shape[1])
    min_width, min_height = int(min_size[0]), int(min_size[1])
    for factor in (8, 4, 2):
        if fmt in SCALING_FORMATS:
            if width // factor >= min_width and height // factor >= min_height:
                return factor
        elif (width, height) == (factor * min_width, factor * min_height):
            return factor
    return 1


def decode_reduced(data: np.ndarray, flag: int, factor: int, shape: Sequence[int]) -> np.ndarray | None:
    """Decode ``data`` at ``1/factor`` of ``shape``; None when the result is not that size.

    libjpeg rounds a reduced size up, OpenCV's shrink of other formats rounds it down: either is
    accepted, anything else (an orientation the header did not announce) is not.
    """
    image = cv2.imdecode(data, REDUCED_FLAGS[flag][factor])
    if image is None:
        return None
    expected = [{size // factor, -(-size // factor)} for size in shape[:2]]
    if image.shape[0] not in expected[0] or image.shape[1] not in expected[1]:
        return None
    return image
