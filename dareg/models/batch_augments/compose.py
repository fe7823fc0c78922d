"""Several image-to-image batch augmentations applied in order."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import torch

from dareg.registry import BATCH_AUGMENTS


@BATCH_AUGMENTS.register_module()
class BatchCompose:
    """Apply image-to-image batch augmentations in order, all drawing from one generator.

    DACS's strong augmentation of a mixed image is ``BatchCompose([ColorJitter, GaussianBlur])``
    after ClassMix (the order mix -> jitter -> blur of trainUDA.py:124-130); MIC's masked target image
    is ``BatchCompose([ColorJitter, GaussianBlur, BlockMask])`` (masking_consistency_module.py:111-133).

    Args:
        augments: Configs (built from ``BATCH_AUGMENTS``) or callables ``f(images, generator=...)``.
        default_args: Keyword arguments given to every config built here (an algorithm passes the
            data preprocessor's ``mean``/``std`` to the steps that take them). Defaults to None.

    Examples:
        >>> import torch
        >>> strong = BatchCompose([dict(type="ColorJitter", p=1.0), dict(type="GaussianBlur", p=1.0)],
        ...                       default_args=dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0]))
        >>> [type(step).__name__ for step in strong.augments]
        ['ColorJitter', 'GaussianBlur']
        >>> tuple(strong(torch.rand(2, 3, 32, 32)).shape)
        (2, 3, 32, 32)
    """

    def __init__(self, augments: Sequence[dict | Callable], default_args: dict | None = None) -> None:
        self.augments = [self._build(augment, default_args or {}) for augment in augments]

    @staticmethod
    def _build(augment: dict | Callable, default_args: dict) -> Callable:
        if not isinstance(augment, dict):
            return augment
        kind = augment.get("type")
        cls = BATCH_AUGMENTS.get_or_none(kind) if isinstance(kind, str) else kind
        if cls is None:
            return BATCH_AUGMENTS.build(augment)  # fails naming the registry and the close matches
        accepted = inspect.signature(cls).parameters
        extra = {key: value for key, value in default_args.items() if key in accepted and key not in augment}
        return BATCH_AUGMENTS.build({**augment, **extra})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.augments})"

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        for augment in self.augments:
            images = augment(images, generator=generator)
        return images
