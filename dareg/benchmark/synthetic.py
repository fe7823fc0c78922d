"""Random in-memory data of a config's sizes, so a benchmark measures compute and not the disk.

``--synthetic`` replaces each domain of the config's train dataloader by a
:class:`RandomImageDataset` whose image size comes from the domain pipeline's last crop or resize
(or, for datasets that draw their images in memory, the dataset's ``image_size``), whose channels
come from the data preprocessor and whose labels (maps or class indices) match the task: label maps
when the pipeline loads them or the model holds a segmentor, class indices otherwise.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
from mmengine.config import Config

from dareg.datasets.base import BaseImageDataset
from dareg.registry import DATASETS


@DATASETS.register_module()
class RandomImageDataset(BaseImageDataset):
    """Random uint8 images (and label maps or labels) of one size, held in memory, for benchmarks.

    Args:
        image_size: ``(height, width)``.
        channels: Image channels. Defaults to 3.
        num_classes: Labels are drawn from ``[0, num_classes)``. Defaults to 19.
        task: ``"seg"`` (``gt_seg`` maps, 5% ignored pixels) or ``"cls"`` (``gt_label``).
            Defaults to ``"seg"``.
        num_samples: Number of distinct samples. Defaults to 8.
        seed: Seed of the generator. Defaults to 0.
    """

    def __init__(
        self,
        image_size: Sequence[int] = (321, 321),
        channels: int = 3,
        num_classes: int = 19,
        task: str = "seg",
        num_samples: int = 8,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        if task not in ("seg", "cls"):
            raise ValueError(f"RandomImageDataset: task must be 'seg' or 'cls', got {task!r}")
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.channels, self.num_classes, self.task = channels, num_classes, task
        self.num_samples, self.seed = num_samples, seed
        kwargs.setdefault("pipeline", [dict(type="PackInputs")])
        # class names, as real datasets have them: class-balanced samplers (Rare Class Sampling) count by them
        kwargs.setdefault("metainfo", dict(classes=tuple(f"class{index}" for index in range(num_classes))))
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self) -> list[dict]:
        rng = np.random.default_rng(self.seed)
        height, width = self.image_size
        items = []
        for _ in range(self.num_samples):
            shape = (height, width, self.channels) if self.channels > 1 else (height, width)
            item: dict[str, Any] = {"img": rng.integers(0, 256, size=shape, dtype=np.uint8)}
            if self.task == "seg":
                label = rng.integers(0, self.num_classes, size=(height, width), dtype=np.uint8)
                label[rng.random((height, width)) < 0.05] = 255
                item["gt_seg"] = label
            else:
                item["gt_label"] = int(rng.integers(0, self.num_classes))
            items.append(item)
        return items

    def get_data_info(self, idx: int) -> dict:
        return dict(self.data_list[idx])


def _plain(node: Any) -> dict:
    return node.to_dict() if hasattr(node, "to_dict") else dict(node)


def _find_key(node: Any, key: str) -> Any:
    """The first value of ``key`` in a nested dict/list config (depth first), or None."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        children = node.values()
    elif isinstance(node, (list, tuple)):
        children = node
    else:
        return None
    for child in children:
        found = _find_key(child, key)
        if found is not None:
            return found
    return None


def pipeline_output_size(pipeline: Sequence[dict]) -> tuple[int, int] | None:
    """``(height, width)`` a pipeline produces, from its last crop (``RandomCrop``, ``RandomResizedCrop``,
    ``CenterCrop``) or ``Resize``."""
    for transform in reversed(list(pipeline or [])):
        kind = transform.get("type") if isinstance(transform, dict) else None
        if kind in ("RandomCrop", "RandomResizedCrop", "CenterCrop"):
            size = transform.get("size", 224)  # the default of RandomResizedCrop and CenterCrop
            return (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))
        if kind == "Resize" and not transform.get("keep_ratio", False):
            width, height = transform["scale"]
            return int(height), int(width)
    return None


def dataset_image_size(dataset: dict) -> tuple[int, int] | None:
    """``(height, width)`` from a dataset config's ``image_size`` (an int is a square), or None."""
    size = dataset.get("image_size") if isinstance(dataset, dict) else None
    if isinstance(size, int):
        return size, size
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return int(size[0]), int(size[1])
    return None


def _has_segmentor(node: Any) -> bool:
    """Whether a model config builds a segmentor (a ``type`` whose name contains ``Segmentor``)."""
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and "Segmentor" in kind:
            return True
        return any(_has_segmentor(value) for value in node.values())
    if isinstance(node, (list, tuple)):
        return any(_has_segmentor(value) for value in node)
    return False


def synthetic_train_dataloader(
    cfg: Config, input_size: Sequence[int] | None = None, batch_size: int | None = None
) -> tuple[dict, list[str]]:
    """The config's train dataloader with each domain replaced by a :class:`RandomImageDataset`.

    Sizes come from ``input_size``, the domain pipeline's last crop/resize or the dataset's
    ``image_size``; channels from the data preprocessor's mean; the task (segmentation or
    classification) from whether the pipeline loads label maps or the model holds a segmentor; the
    number of classes from the first ``num_classes`` in the model config.
    Returns the dataloader config and one line per domain saying what was inferred.
    """
    loader = copy.deepcopy(_plain(cfg.train_dataloader))
    model = _plain(cfg.model)
    mean = _find_key(model.get("data_preprocessor", {}), "mean")
    channels = len(mean) if mean is not None else 3
    num_classes = int(_find_key(model, "num_classes") or 19)
    dataset = loader["dataset"]
    domains = [d for d in ("source", "target") if d in dataset] or [None]
    notes = []
    for domain in domains:
        domain_cfg = dataset[domain] if domain else dataset
        pipeline = _find_key(domain_cfg, "pipeline") or []
        kinds = [t.get("type", "") for t in pipeline if isinstance(t, dict)]
        task = "seg" if any("SegMap" in kind for kind in kinds) or _has_segmentor(model) else "cls"
        size = tuple(input_size) if input_size else pipeline_output_size(pipeline) or dataset_image_size(domain_cfg)
        if size is None:
            raise ValueError(
                f"Cannot infer the input size of the {domain or 'train'} domain from its pipeline {kinds}; "
                "pass --input-size H W."
            )
        replacement = dict(
            type="RandomImageDataset", image_size=size, channels=channels, num_classes=num_classes, task=task
        )
        if domain:
            dataset[domain] = replacement
        else:
            loader["dataset"] = replacement
        notes.append(
            f"{domain or 'train'}: random {channels}x{size[0]}x{size[1]} images, {task} labels, {num_classes} classes"
        )
    if batch_size:
        loader["batch_size"] = batch_size
    loader["num_workers"] = 0
    loader["persistent_workers"] = False
    return loader, notes


def synthetic_val_dataloader(cfg: Config, image_size: Sequence[int], num_samples: int = 2) -> dict:
    """The config's validation dataloader on :class:`RandomImageDataset` images of ``image_size`` (with label maps).

    The config's validation pipeline is kept without its file-loading steps, so the images are
    resized and the predictions compared at the label size as in a real validation. No workers.
    """
    loader = copy.deepcopy(_plain(cfg.val_dataloader))
    pipeline = _find_key(loader["dataset"], "pipeline") or [dict(type="PackInputs")]
    pipeline = [step for step in pipeline if not str(step.get("type", "")).startswith("Load")]
    model = _plain(cfg.model)
    mean = _find_key(model.get("data_preprocessor", {}), "mean")
    loader["dataset"] = dict(
        type="RandomImageDataset",
        image_size=tuple(image_size),
        channels=len(mean) if mean is not None else 3,
        num_classes=int(_find_key(model, "num_classes") or 19),
        task="seg",
        num_samples=num_samples,
        pipeline=pipeline,
    )
    loader.update(batch_size=1, num_workers=0, persistent_workers=False)
    return loader
