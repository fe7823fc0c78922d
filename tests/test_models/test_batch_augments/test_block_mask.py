"""MIC's block mask: the grid the reference draws, its block layout, and the masking ratio."""

from __future__ import annotations

import pytest
import torch

from dareg.models.batch_augments import BlockMask


def test_the_mask_is_the_thresholded_grid_upsampled_by_blocks():
    masking = BlockMask(block_size=4, mask_ratio=0.7)
    masks = masking.masks(torch.zeros(2, 3, 8, 12), torch.Generator().manual_seed(3))
    grid = torch.rand((2, 1, 2, 3), generator=torch.Generator().manual_seed(3)) > 0.7  # round(8/4) x round(12/4)
    assert torch.equal(masks, grid.float().repeat_interleave(4, dim=2).repeat_interleave(4, dim=3))


def test_grid_rounding_follows_the_reference():
    masking = BlockMask(block_size=64)
    assert masking.grid_size(96, 160) == (2, 2)  # Python's round: 1.5 -> 2, 2.5 -> 2
    assert masking.grid_size(512, 1024) == (8, 16)
    masks = masking.masks(torch.zeros(8, 1, 96, 64), torch.Generator().manual_seed(0))
    # nearest upsampling of 2 rows to 96: two bands of 48 rows
    assert torch.equal(masks[:, :, :48], masks[:, :, :1].expand(-1, -1, 48, -1))
    assert torch.equal(masks[:, :, 48:], masks[:, :, 48:49].expand(-1, -1, 48, -1))


def test_a_block_is_hidden_with_probability_mask_ratio():
    masks = BlockMask(block_size=2, mask_ratio=0.7).masks(torch.zeros(4, 1, 256, 256), torch.Generator().manual_seed(1))
    assert set(masks.unique().tolist()) == {0.0, 1.0}
    assert abs(masks.mean().item() - 0.3) < 0.01  # 65,536 blocks: 0.3 visible, +- 0.002 std


def test_masked_images_are_zero_where_hidden_and_unchanged_elsewhere():
    images = torch.randn(2, 3, 16, 16)
    state = torch.get_rng_state()
    masked = BlockMask(block_size=4)(images)
    torch.set_rng_state(state)
    masks = BlockMask(block_size=4).masks(images)
    assert torch.equal(masked, images * masks)
    assert (masked[masks.expand_as(images) == 0] == 0).all()


def test_deterministic_under_a_restored_global_state():
    images = torch.zeros(2, 3, 32, 32)
    state = torch.get_rng_state()
    first = BlockMask(block_size=8).masks(images)
    torch.set_rng_state(state)
    assert torch.equal(BlockMask(block_size=8).masks(images), first)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="at most the image side"):
        BlockMask(block_size=64).masks(torch.zeros(1, 3, 32, 128))  # round(0.5) = 0 rows
    with pytest.raises(ValueError, match="mask_ratio"):
        BlockMask(mask_ratio=1.5)
    with pytest.raises(ValueError, match="block_size"):
        BlockMask(block_size=0)
