"""MIC's block masking (Hoyer et al., CVPR 2023): hide random square patches of an image.

Per image, a grid of ``round(H / b) x round(W / b)`` values is drawn from ``U(0, 1)``; a cell is
kept where its value exceeds the mask ratio ``r``, the grid is upsampled to ``H x W`` with nearest
neighbour, and the image is multiplied by it (MIC masking_transforms.py:21-41). MIC uses ``r = 0.7``
and ``b = 64`` for 1024-pixel HRDA crops, ``b = 32`` for 512-pixel DAFormer/DeepLab-v2 crops
(METHODS_SELFTRAINING.md section 3). ``round`` is Python's, as in the reference (halves round to
even), so an image of ``1.5 b`` gets 2 cells and one of ``0.5 b`` none, which is refused here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dareg.models.batch_augments.sampling import rand
from dareg.registry import BATCH_AUGMENTS


@BATCH_AUGMENTS.register_module()
class BlockMask:
    """Multiply images by a random mask of ``block_size`` blocks, each hidden with probability ``mask_ratio``.

    The images may be in any normalisation: masked pixels become 0 in it (the reference masks the
    normalised image, so a hidden block is the dataset mean, not black). Randomness: the grid is
    drawn on the images' device (see :mod:`~dareg.models.batch_augments.sampling`).

    Args:
        block_size: Side of a block in pixels (``b``). Defaults to 64 (MIC(HRDA); use 32 at 512 px).
        mask_ratio: Probability that a block is hidden (``r``). Defaults to 0.7.

    Examples:
        >>> import torch
        >>> masking = BlockMask(block_size=2, mask_ratio=0.7)
        >>> masks = masking.masks(torch.ones(3, 3, 4, 6))
        >>> tuple(masks.shape), set(masks.unique().tolist()) <= {0.0, 1.0}
        ((3, 1, 4, 6), True)
        >>> bool((masks[..., ::2, ::2] == masks[..., 1::2, 1::2]).all())  # constant on each 2x2 block
        True
    """

    def __init__(self, block_size: int = 64, mask_ratio: float = 0.7) -> None:
        if int(block_size) < 1:
            raise ValueError(f"BlockMask: block_size must be >= 1 pixel, got {block_size}")
        if not 0.0 <= float(mask_ratio) <= 1.0:
            raise ValueError(f"BlockMask: mask_ratio must be in [0, 1], got {mask_ratio}")
        self.block_size = int(block_size)
        self.mask_ratio = float(mask_ratio)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(block_size={self.block_size}, mask_ratio={self.mask_ratio})"

    def grid_size(self, height: int, width: int) -> tuple[int, int]:
        """The ``(rows, columns)`` of the random grid for an ``height x width`` image."""
        rows, columns = round(height / self.block_size), round(width / self.block_size)
        if rows < 1 or columns < 1:
            raise ValueError(
                f"BlockMask: block_size={self.block_size} gives a {rows} x {columns} grid on {height} x {width} "
                "images; use a block size of at most the image side (MIC halves it at half resolution)."
            )
        return rows, columns

    def masks(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``B x 1 x H x W`` float masks for ``B x C x H x W`` images (1: visible)."""
        batch, _, height, width = images.shape
        rows, columns = self.grid_size(height, width)
        grid = rand((batch, 1, rows, columns), generator, device=images.device) > self.mask_ratio
        return F.interpolate(grid.to(images.dtype), size=(height, width), mode="nearest")

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The images with their hidden blocks set to 0."""
        return images * self.masks(images, generator)
