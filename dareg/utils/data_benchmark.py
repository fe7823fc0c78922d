"""Data-pipeline benchmark: GTA5- and Cityscapes-sized images through dareg's transforms vs. PIL.

``tools/benchmark.py --data`` calls :func:`benchmark_data`. It writes synthetic images of the real
datasets' sizes and formats to a temporary directory (GTA5: 1914x1052 RGB PNG with a palette-PNG
label map; Cityscapes: 2048x1024 RGB PNG), then loads and resizes them, one image at a time in one
process (so the numbers are images per second *per data-loader worker*), with:

* **dareg**: the training pipelines of ``configs/_base_/datasets/gta2cityscapes.py`` (OpenCV decode,
  bicubic resize to 1280x720 / 1024x512, label resized with nearest neighbour, ``PackInputs``);
* **PIL reference**: what AdaptSegNet's ``GTA5DataSet`` / ``cityscapesDataSet`` do
  (``Image.open(...).convert("RGB")``, ``resize(size, Image.BICUBIC)``, label ``Image.NEAREST``,
  ``np.asarray(float32)``, RGB -> BGR, mean subtraction, HWC -> CHW).

The two alternate image by image, so both see the same machine load and the same (warm) file
cache. Images are smooth random fields with mild noise, so their PNGs compress like photographs
(a few MB each) rather than like white noise.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

#: (name, image size (width, height), training size (width, height), has labels)
DATASET_SHAPES = (
    ("GTA5", (1914, 1052), (1280, 720), True),
    ("Cityscapes", (2048, 1024), (1024, 512), False),
)
#: AdaptSegNet's IMG_MEAN (BGR).
IMG_MEAN = np.array((104.00698793, 116.66876762, 122.67891434), dtype=np.float32)


def synthetic_photo(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A ``height x width x 3`` uint8 image: upsampled random blobs plus mild pixel noise."""
    coarse = rng.integers(0, 256, size=(max(2, height // 64), max(2, width // 64), 3), dtype=np.uint8)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    image += rng.integers(-6, 7, size=image.shape, dtype=np.int16)
    return np.clip(image, 0, 255).astype(np.uint8)


def synthetic_label(rng: np.random.Generator, width: int, height: int, num_ids: int = 34) -> np.ndarray:
    """A blocky ``height x width`` label map with ids ``0..num_ids-1``."""
    coarse = rng.integers(0, num_ids, size=(max(2, height // 32), max(2, width // 32)), dtype=np.uint8)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_NEAREST)


def write_dataset(root: Path, name: str, size: tuple[int, int], labels: bool, count: int, seed: int = 0) -> list[dict]:
    """Write ``count`` synthetic images (and palette labels) of ``size``; return their results dicts."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    palette = rng.integers(0, 256, size=256 * 3, dtype=np.uint8).tolist()
    items = []
    for index in range(count):
        item = {"img_path": str(folder / f"{index:05d}.png")}
        cv2.imwrite(item["img_path"], synthetic_photo(rng, *size))
        if labels:
            label = Image.fromarray(synthetic_label(rng, *size), mode="P")
            label.putpalette(palette)
            item["seg_path"] = str(folder / f"{index:05d}_label.png")
            label.save(item["seg_path"])
        items.append(item)
    return items


def dareg_pipeline(name: str) -> Callable[[dict], dict]:
    """The training pipeline of ``configs/_base_/datasets/gta2cityscapes.py`` for ``name``."""
    from dareg.datasets.transforms import LoadImageFromFile, PackInputs, Resize
    from dareg.registry import TRANSFORMS

    if name == "GTA5":
        steps = [
            LoadImageFromFile(),
            TRANSFORMS.build(dict(type="LoadIndexedSegMap")),
            Resize(scale=(1280, 720), interpolation="bicubic"),
            PackInputs(),
        ]
    else:
        steps = [LoadImageFromFile(), Resize(scale=(1024, 512), interpolation="bicubic"), PackInputs()]

    def run(results: dict) -> dict:
        results = dict(results)
        for step in steps:
            results = step(results)
        return results

    return run


def pil_pipeline(name: str, normalize: bool = True) -> Callable[[dict], Any]:
    """AdaptSegNet's ``GTA5DataSet`` / ``cityscapesDataSet`` ``__getitem__`` (PIL based).

    With ``normalize=False`` it stops at a uint8 ``C x H x W`` array, the output of dareg's
    pipeline (which normalises on the device), for a like-for-like comparison.
    """
    from PIL import Image

    size = dict((n, s) for n, _, s, _ in DATASET_SHAPES)[name]

    def run(results: dict) -> Any:
        image = Image.open(results["img_path"]).convert("RGB").resize(size, Image.BICUBIC)
        image = np.asarray(image, np.float32 if normalize else np.uint8)[:, :, ::-1]
        image = image - IMG_MEAN if normalize else image
        image = image.transpose((2, 0, 1)).copy()
        if "seg_path" in results:
            label = np.asarray(Image.open(results["seg_path"]).resize(size, Image.NEAREST), np.float32)
            return image, label
        return image

    return run


@dataclass
class PipelineResult:
    """Per-image seconds of each pipeline on one dataset shape."""

    dataset: str
    source_size: tuple[int, int]
    train_size: tuple[int, int]
    file_mb: float
    dareg: list[float]
    pil: list[float]
    pil_uint8: list[float]

    def images_per_second(self, which: str) -> float:
        return 1.0 / statistics.median(getattr(self, which))


def benchmark_data(
    count: int = 8, repeats: int = 3, root: str | None = None, shapes: Sequence[tuple] = DATASET_SHAPES
) -> list[PipelineResult]:
    """Time both pipelines on ``count`` images per dataset shape, ``repeats`` passes, alternating."""
    with tempfile.TemporaryDirectory(prefix="dareg_data_benchmark_") as tmp:
        base = Path(root or tmp)
        results = []
        for name, size, train_size, labels in shapes:
            items = write_dataset(base, name, size, labels, count)
            file_mb = statistics.mean(Path(i["img_path"]).stat().st_size for i in items) / 2**20
            pipelines = {
                "dareg": dareg_pipeline(name),
                "pil": pil_pipeline(name),
                "pil_uint8": pil_pipeline(name, False),
            }
            for pipeline in pipelines.values():
                pipeline(items[0])  # warm-up (imports, file cache)
            timings: dict[str, list[float]] = {key: [] for key in pipelines}
            order = list(pipelines.items())
            for repeat in range(repeats):
                for index, item in enumerate(items):
                    shift = (index + repeat) % len(order)  # rotate who goes first
                    for key, pipeline in order[shift:] + order[:shift]:
                        start = time.perf_counter()
                        pipeline(item)
                        timings[key].append(time.perf_counter() - start)
            results.append(PipelineResult(name, size, train_size, file_mb, **timings))
        return results


def format_data_results(results: Sequence[PipelineResult]) -> str:
    """A table of images per second per worker and the speed-up of dareg's pipeline."""
    lines = [
        f"{'dataset':<12}{'image':>11}{'-> train':>11}{'PNG MB':>8}{'dareg (cv2)':>13}{'PIL uint8':>11}"
        f"{'PIL ref.':>10}{'vs uint8':>10}{'vs ref.':>9}"
    ]
    for r in results:
        ours, same, ref = (r.images_per_second(k) for k in ("dareg", "pil_uint8", "pil"))
        lines.append(
            f"{r.dataset:<12}{r.source_size[0]:>6}x{r.source_size[1]:<4}{r.train_size[0]:>6}x{r.train_size[1]:<4}"
            f"{r.file_mb:>8.2f}{ours:>13.2f}{same:>11.2f}{ref:>10.2f}{ours / same:>9.2f}x{ours / ref:>8.2f}x"
        )
    lines += [
        "images/s per worker (one process); medians over every image and pass; the three pipelines take turns.",
        "dareg: OpenCV decode + bicubic resize (+ label), uint8 CHW (normalised later on the device).",
        "PIL uint8: PIL decode + bicubic resize (+ label), uint8 CHW: the same output. PIL ref.: AdaptSegNet's",
        "dataset code (float32, BGR, mean subtracted on the CPU).",
    ]
    return "\n".join(lines)
