"""Unpaired image folders for translation: ``root/{trainA,trainB,testA,testB}`` (CycleGAN layout), and
one side of pix2pix's side-by-side pairs read as unpaired data (DiscoGAN's edges2shoes).

Reference facts (CycleGAN, ``unaligned_dataset.py``): the two domains are separate folders, read
unaligned (a random B per A); training images are loaded at 286x286, randomly cropped to 256x256
and flipped horizontally. In dareg one ``UnpairedImageDataset`` per domain is paired by
``DomainPairDataset``, whose ``StreamSampler`` shuffles each domain independently.
"""

from __future__ import annotations

import os
import os.path as osp

import numpy as np

from dareg.datasets.base import BaseImageDataset
from dareg.registry import DATASETS, TRANSFORMS

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".tif", ".tiff", ".webp")

#: CycleGAN's training pipeline: load 286 (square), random crop 256, flip.
DEFAULT_TRAIN_PIPELINE = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(286, 286), interpolation="bicubic"),
    dict(type="RandomCrop", size=256),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PackInputs"),
]
#: Test pipeline: load at 256x256, no augmentation.
DEFAULT_TEST_PIPELINE = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(256, 256), interpolation="bicubic"),
    dict(type="PackInputs"),
]


def list_images(folder: str) -> list[str]:
    """Image files under ``folder`` (recursively), as sorted paths relative to it."""
    found = []
    for directory, _, files in os.walk(folder):
        for name in files:
            if name.lower().endswith(IMAGE_EXTENSIONS):
                found.append(osp.relpath(osp.join(directory, name), folder))
    return sorted(found)


@DATASETS.register_module()
class UnpairedImageDataset(BaseImageDataset):
    """The images of one domain of an unpaired translation dataset.

    Items have no labels: ``{"inputs": uint8 C x H x W, "data_samples": {"metainfo": {...}}}``.

    Args:
        data_root: Folder holding ``trainA/``, ``trainB/``, ``testA/``, ``testB/``.
        domain: ``"A"`` or ``"B"``. Defaults to ``"A"``.
        split: ``"train"`` or ``"test"``. Defaults to ``"train"``.
        pipeline: Transform configs. Defaults to CycleGAN's (train: load 286, crop 256, flip;
            test: load 256).
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.

    Examples:
        >>> cfg = dict(type="UnpairedImageDataset", data_root="data/horse2zebra", domain="B")
    """

    def __init__(
        self, data_root: str, domain: str = "A", split: str = "train", pipeline: list | None = None, **kwargs
    ) -> None:
        if domain not in ("A", "B"):
            raise ValueError(f"UnpairedImageDataset: domain must be 'A' or 'B', got {domain!r}")
        if split not in ("train", "test"):
            raise ValueError(f"UnpairedImageDataset: split must be 'train' or 'test', got {split!r}")
        self.domain, self.split = domain, split
        if pipeline is None:
            pipeline = DEFAULT_TRAIN_PIPELINE if split == "train" else DEFAULT_TEST_PIPELINE
        super().__init__(pipeline=pipeline, data_root=data_root, **kwargs)

    @property
    def image_dir(self) -> str:
        """The folder this dataset reads (``data_root/trainA`` ...)."""
        return osp.join(self.data_root, f"{self.split}{self.domain}")

    def check_data_root(self) -> None:
        if not osp.isdir(self.image_dir) or not list_images(self.image_dir):
            raise FileNotFoundError(
                f"UnpairedImageDataset: no images in {self.image_dir}. Expected the CycleGAN layout "
                f"data_root/{{trainA,trainB,testA,testB}}/*.jpg|png under data_root={self.data_root!r} "
                "(e.g. horse2zebra from the CycleGAN datasets: unzip it so that data_root/trainA exists)."
            )

    def load_data_list(self) -> list[dict]:
        return [{"img_path": osp.join(self.image_dir, rel)} for rel in list_images(self.image_dir)]


@TRANSFORMS.register_module()
class SelectHalf:
    """Keep the left or right half of a side-by-side image (pix2pix's ``edges2shoes`` layout: A | B).

    Args:
        side: ``"left"`` or ``"right"``.
    """

    def __init__(self, side: str) -> None:
        if side not in ("left", "right"):
            raise ValueError(f"SelectHalf: side must be 'left' or 'right', got {side!r}")
        self.side = side

    def __call__(self, results: dict) -> dict:
        width = results["img"].shape[1]
        half = slice(0, width // 2) if self.side == "left" else slice(width - width // 2, width)
        results["img"] = np.ascontiguousarray(results["img"][:, half])
        results["img_shape"] = results["img"].shape[:2]
        return results


@DATASETS.register_module()
class SideBySideImageDataset(BaseImageDataset):
    """One domain of a paired side-by-side dataset read as unpaired data (DiscoGAN's edges2shoes).

    The pix2pix layout stores each pair as one image, domain A on the left and B on the right
    (``root/train/*.jpg``, ``root/val/*.jpg``). This dataset reads one side; ``part`` keeps the first
    or second half of the sorted file list, so that giving A the first half and B the second breaks
    every pair (no image appears in both domains).

    Args:
        data_root: Folder holding ``train/`` and ``val/``.
        split: Sub-folder. Defaults to ``"train"``.
        side: ``"left"`` (A) or ``"right"`` (B). Defaults to ``"left"``.
        part: ``"all"``, ``"first"`` or ``"second"`` half of the files. Defaults to ``"all"``.
        pipeline: Transforms after loading and selecting the side. Defaults to
            ``Resize(64, 64)`` + ``PackInputs`` (DiscoGAN).
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.
    """

    def __init__(
        self,
        data_root: str,
        split: str = "train",
        side: str = "left",
        part: str = "all",
        pipeline: list | None = None,
        **kwargs,
    ) -> None:
        if part not in ("all", "first", "second"):
            raise ValueError(f"SideBySideImageDataset: part must be 'all', 'first' or 'second', got {part!r}")
        self.split, self.side, self.part = split, side, part
        if pipeline is None:
            pipeline = [dict(type="Resize", scale=(64, 64), interpolation="bilinear"), dict(type="PackInputs")]
        pipeline = [dict(type="LoadImageFromFile"), dict(type="SelectHalf", side=side), *pipeline]
        super().__init__(pipeline=pipeline, data_root=data_root, **kwargs)

    @property
    def image_dir(self) -> str:
        """The folder this dataset reads."""
        return osp.join(self.data_root, self.split)

    def check_data_root(self) -> None:
        if not osp.isdir(self.image_dir) or not list_images(self.image_dir):
            raise FileNotFoundError(
                f"SideBySideImageDataset: no images in {self.image_dir}. Expected pix2pix's side-by-side layout "
                f"data_root/{{train,val}}/*.jpg (A left, B right) under data_root={self.data_root!r}, e.g. "
                "edges2shoes.tar.gz from the pix2pix datasets, extracted so that data_root/train exists."
            )

    def load_data_list(self) -> list[dict]:
        files = list_images(self.image_dir)
        middle = len(files) // 2
        files = {"all": files, "first": files[:middle], "second": files[middle:]}[self.part]
        return [{"img_path": osp.join(self.image_dir, rel)} for rel in files]
