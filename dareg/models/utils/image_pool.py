"""A history of generated images for discriminator updates (Shrivastava et al., CVPR 2017).

Reference facts (CycleGAN, ``util/image_pool.py``): the pool holds up to 50 images. While it is not
full, every queried image is stored and returned as is. Once full, each queried image is, with
probability 0.5, stored in place of a random stored image, and the stored image is returned instead;
otherwise the image itself is returned. The discriminator then sees fakes from older generators too.

Randomness comes from torch's global generator by default (dareg's ``RandomStateHook`` saves it in
checkpoints) or from an explicit ``torch.Generator``. The stored images are buffers, so they are
part of the algorithm's ``state_dict`` and a resumed run queries the same history.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class ImagePool(nn.Module):
    """History pool of generated images.

    ``pool(images)`` (or :meth:`query`) returns a batch of the same shape, mixing the new images with
    stored ones as described above. The returned tensor is detached.

    Args:
        pool_size: Number of stored images; 0 disables the pool (queries return the input).
            Defaults to 50.
        swap_prob: Probability that a queried image is swapped with a stored one once the pool is
            full. Defaults to 0.5.
        generator: Generator for the random draws. Defaults to None (torch's global generator).
        persistent: Keep the stored images in ``state_dict`` (exact resume; costs
            ``pool_size x C x H x W`` floats per pool in each checkpoint). Defaults to True.

    Examples:
        >>> pool = ImagePool(pool_size=2, generator=torch.Generator().manual_seed(0))
        >>> out = pool(torch.zeros(2, 3, 4, 4))  # filling: returned unchanged
        >>> int(pool.num_images), bool((out == 0).all())
        (2, True)
    """

    def __init__(
        self,
        pool_size: int = 50,
        swap_prob: float = 0.5,
        generator: torch.Generator | None = None,
        persistent: bool = True,
    ) -> None:
        super().__init__()
        if pool_size < 0:
            raise ValueError(f"ImagePool: pool_size must be >= 0, got {pool_size}")
        if not 0.0 <= swap_prob <= 1.0:
            raise ValueError(f"ImagePool: swap_prob must be in [0, 1], got {swap_prob}")
        self.pool_size = int(pool_size)
        self.swap_prob = float(swap_prob)
        self.generator = generator
        self.register_buffer("images", torch.empty(0), persistent=persistent)
        self.register_buffer("num_images", torch.zeros((), dtype=torch.long), persistent=persistent)

    def _draw(self, *shape: int, high: int | None = None) -> torch.Tensor:
        device = self.generator.device if self.generator is not None else torch.device("cpu")
        if high is None:
            return torch.rand(shape, generator=self.generator, device=device)
        return torch.randint(0, high, shape, generator=self.generator, device=device)

    @torch.no_grad()
    def query(self, images: torch.Tensor) -> torch.Tensor:
        """Return ``images`` mixed with the history, and update the history."""
        images = images.detach()
        if self.pool_size == 0:
            return images
        if self.images.numel() == 0 or self.images.shape[1:] != images.shape[1:]:
            if int(self.num_images) > 0:
                raise ValueError(
                    f"ImagePool holds images of shape {tuple(self.images.shape[1:])} and was queried with "
                    f"{tuple(images.shape[1:])}: train with a fixed crop size or use one pool per size."
                )
            self.images = images.new_zeros((self.pool_size, *images.shape[1:]))
        if self.images.device != images.device:
            self.images = self.images.to(images.device)
        stored_dtype = self.images.dtype  # fixed at allocation: mixed precision never re-casts the history
        returned = []
        for image in images:
            count = int(self.num_images)
            if count < self.pool_size:
                self.images[count] = image.to(stored_dtype)
                self.num_images += 1
                returned.append(image)
            elif float(self._draw(1)) < self.swap_prob:
                index = int(self._draw(1, high=self.pool_size))
                returned.append(self.images[index].to(images.dtype, copy=True))
                self.images[index] = image.to(stored_dtype)
            else:
                returned.append(image)
        return torch.stack(returned)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.query(images)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any, **kwargs: Any) -> None:
        # the stored images are allocated on first query: adopt the checkpoint's shape before loading
        stored = state_dict.get(prefix + "images")
        if stored is not None and stored.shape != self.images.shape:
            self.images = stored.new_zeros(stored.shape).to(self.images.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}, swap_prob={self.swap_prob}, stored={int(self.num_images)}"
