"""Tiny two-domain batches and in-memory datasets, for testing components, algorithms and configs."""

from __future__ import annotations

import numpy as np
import torch

from dareg.datasets.base import BaseImageDataset
from dareg.registry import DATASETS


def domain_batch(
    batch_size: int = 2,
    channels: int = 1,
    size: int | tuple[int, int] = 28,
    num_classes: int = 10,
    task: str = "classification",
    seed: int = 0,
    offset: int = 0,
) -> dict:
    """One domain of a collated batch, as ``dareg.domain_collate`` produces it.

    Args:
        batch_size: Number of samples.
        channels: Image channels.
        size: Image side, or ``(height, width)``.
        num_classes: Labels are drawn from ``0 .. num_classes - 1``.
        task: ``"classification"`` (``gt_label``: ``N``), ``"segmentation"`` (``gt_seg``: ``N x H x W``)
            or ``"none"`` (no labels, as unlabelled target data or translation).
        seed: Seed of the images and labels.
        offset: Added to every pixel (clipped to 0..255): makes a second domain look different.

    Returns:
        ``{"inputs": uint8 N x C x H x W, "data_samples": {"gt_label" | "gt_seg", "metainfo"}}``.
    """
    height, width = (size, size) if isinstance(size, int) else size
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 200, (batch_size, channels, height, width), generator=gen)
    samples: dict = {"metainfo": [{"img_shape": (height, width), "ori_shape": (height, width)}] * batch_size}
    if task == "classification":
        samples["gt_label"] = torch.randint(0, num_classes, (batch_size,), generator=gen)
    elif task == "segmentation":
        samples["gt_seg"] = torch.randint(0, num_classes, (batch_size, height, width), generator=gen)
    elif task != "none":
        raise ValueError(f"task must be 'classification', 'segmentation' or 'none', got {task!r}")
    return {"inputs": (images + offset).clamp(0, 255).to(torch.uint8), "data_samples": samples}


def two_domain_batch(batch_size: int = 2, target_labels: bool = False, seed: int = 0, **kwargs) -> dict:
    """A collated two-domain batch ``{"source": ..., "target": ...}`` of :func:`domain_batch` halves.

    The source is labelled; the target is labelled only with ``target_labels`` (as in training,
    where target labels are not used). ``kwargs`` go to :func:`domain_batch` (``channels``,
    ``size``, ``num_classes``, ``task``).
    """
    source = domain_batch(batch_size, seed=seed, **kwargs)
    target_kwargs = dict(kwargs)
    if not target_labels:
        target_kwargs["task"] = "none"
    target = domain_batch(batch_size, seed=seed + 1, offset=40, **target_kwargs)
    return {"source": source, "target": target}


@DATASETS.register_module()
class TinyDigitsDataset(BaseImageDataset):
    """Deterministic in-memory digit-like images for tests: a bright bar whose position is the label.

    Args:
        num_samples: Number of samples.
        num_classes: Number of classes (the bar positions).
        size: Image side.
        channels: 1 (grey) or 3.
        shift: Added to every pixel: a brighter "target domain".
        seed: Seed of the background noise.
        **kwargs: ``BaseImageDataset`` arguments (``pipeline``, ``domain`` ...); the pipeline
            defaults to ``[PackInputs]``.
    """

    def __init__(
        self,
        num_samples: int = 16,
        num_classes: int = 10,
        size: int = 28,
        channels: int = 1,
        shift: int = 0,
        seed: int = 0,
        **kwargs,
    ) -> None:
        self.num_samples, self.num_classes, self.size = num_samples, num_classes, size
        self.channels, self.shift, self.seed = channels, shift, seed
        kwargs.setdefault("pipeline", [dict(type="PackInputs")])
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self) -> list[dict]:
        rng = np.random.default_rng(self.seed)
        step = max(1, self.size // self.num_classes)
        items = []
        for index in range(self.num_samples):
            label = index % self.num_classes
            img = rng.integers(0, 60, size=(self.size, self.size)).astype(np.int64)
            img[2:-2, label * step : label * step + max(1, step // 2 + 1)] += 150
            img = np.clip(img + self.shift, 0, 255).astype(np.uint8)
            if self.channels == 3:
                img = np.repeat(img[..., None], 3, axis=-1)
            items.append({"img": img, "gt_label": label})
        return items


def tiny_pair_dataset(num_samples: int = 16, **kwargs) -> dict:
    """Config of a ``DomainPairDataset`` of two :class:`TinyDigitsDataset` domains (target brighter)."""
    return dict(
        type="DomainPairDataset",
        source=dict(type="TinyDigitsDataset", num_samples=num_samples, seed=1, **kwargs),
        target=dict(type="TinyDigitsDataset", num_samples=num_samples, shift=60, seed=2, **kwargs),
    )
