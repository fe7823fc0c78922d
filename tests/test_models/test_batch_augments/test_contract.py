"""The contract of every registered batch augmentation: same shape, device and dtype, and exact replay.

**Adding one?** Add a row to ``CALLS``: how to call it on a tiny batch. A dareg entry without a row
fails :func:`test_every_registered_augment_has_a_row`; plugin entries are tested by their plugins.
Docstring examples of the package run here too, so they stay true.
"""

from __future__ import annotations

import doctest
import importlib
from collections.abc import Callable

import pytest
import torch

from dareg.plugins import origin_of
from dareg.registry import BATCH_AUGMENTS
from dareg.utils.random_state import capture_random_state, restore_random_state


def images_only(augment: Callable, generator: torch.Generator | None) -> torch.Tensor:
    images = 2 * torch.sin(0.7 * torch.arange(2 * 3 * 32 * 32, dtype=torch.float32)).view(2, 3, 32, 32)
    return augment(images, generator=generator)


def class_mix(augment: Callable, generator: torch.Generator | None) -> torch.Tensor:
    labels = torch.arange(16).repeat(2, 16, 1) % 5
    out = augment(torch.ones(2, 3, 16, 16), torch.zeros(2, 3, 16, 16), labels, labels + 10, 0.5, generator=generator)
    assert out.inputs.shape == (2, 3, 16, 16) and out.labels.shape == labels.shape and out.weights.shape == labels.shape
    return out.masks


NORM = dict(mean=[128.0] * 3, std=[64.0] * 3)

#: registered name -> (tiny config, call returning a tensor that depends on every random draw)
CALLS: dict[str, tuple[dict, Callable]] = {
    "BatchCompose": (
        dict(augments=[dict(type="ColorJitter", p=1.0), dict(type="BlockMask", block_size=4)], default_args=NORM),
        images_only,
    ),
    "BlockMask": (dict(block_size=4), images_only),
    "ClassMix": (dict(), class_mix),
    "ColorJitter": (dict(p=1.0, **NORM), images_only),
    "GaussianBlur": (dict(p=1.0), images_only),
}


def dareg_entries() -> list[str]:
    return [name for name in BATCH_AUGMENTS.names() if origin_of(BATCH_AUGMENTS.get(name)) == "dareg"]


def test_every_registered_augment_has_a_row():
    assert sorted(dareg_entries()) == sorted(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_replays_exactly_under_the_saved_random_state_and_under_a_generator(name):
    cfg, call = CALLS[name]
    augment = BATCH_AUGMENTS.build(dict(type=name, **cfg))
    state = capture_random_state()  # what RandomStateHook saves in every checkpoint
    first = call(augment, None)
    moved_on = call(augment, None)
    restore_random_state(state)  # what it restores on resume
    assert torch.equal(call(augment, None), first)
    assert not torch.equal(first, moved_on), "two calls drew the same numbers"
    seeded = [call(augment, torch.Generator().manual_seed(11)) for _ in range(2)]
    assert torch.equal(*seeded)
    assert torch.isfinite(first).all() and first.dtype == torch.float32


@pytest.mark.parametrize("module", ["block_mask", "class_mix", "compose", "photometric", "sampling"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(f"dareg.models.batch_augments.{module}"))
    assert result.failed == 0
