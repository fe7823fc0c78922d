"""Where batch augmentations draw their random numbers, so that a resumed run draws the same ones.

Every batch augmentation takes an optional ``generator`` (a :class:`torch.Generator`):

* ``None`` (the default): small parameters (which classes ClassMix pastes, jitter factors, blur
  sigmas, whether a step applies) come from torch's global CPU generator, and per-pixel random
  fields (MIC's block grid) from the global generator of the images' device, as in the reference
  code. :class:`~dareg.engine.hooks.random_state_hook.RandomStateHook` saves both with every
  checkpoint and restores them on resume, so a resumed run draws exactly what the uninterrupted run
  drew.
* A generator: everything is drawn from it, on its device, and moved to the images' device. The
  algorithm that owns it must save and restore its state (``generator.get_state()``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def draw_device(generator: torch.Generator | None, default: torch.device | str = "cpu") -> torch.device:
    """The device random numbers are drawn on: the generator's, else ``default``."""
    return generator.device if generator is not None else torch.device(default)


def rand(
    size: Sequence[int], generator: torch.Generator | None = None, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """``U(0, 1)`` values of ``size``, drawn on :func:`draw_device` and returned on ``device``."""
    return torch.rand(tuple(size), generator=generator, device=draw_device(generator, device)).to(device)


def uniform(
    size: Sequence[int], low: float, high: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``U(low, high)`` values of ``size`` on the CPU (parameters, not pixels)."""
    return low + (high - low) * rand(size, generator)


def permutation(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """A random permutation of ``range(n)`` on the CPU."""
    return torch.randperm(n, generator=generator, device=draw_device(generator)).cpu()
