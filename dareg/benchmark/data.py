"""Data-pipeline benchmark: GTA5- and Cityscapes-sized images through dareg's transforms vs. Pillow.

``tools/benchmark.py --data`` calls :func:`benchmark_data`. It writes synthetic images of the real
datasets' sizes and formats (GTA5: 1914x1052 RGB PNG with a palette-PNG label map; Cityscapes:
2048x1024 RGB PNG; a 1000x1000 JPEG, the size of Office-31's DSLR images), then loads and resizes
them one at a time in one process, as one data-loader worker does (OpenCV and PyTorch on one
thread), with:

* **dareg**: the pipelines of ``configs/_base_/datasets/gta2cityscapes.py`` (GTA5: OpenCV decode,
  bicubic resize to 1280x720, label by palette index resized with nearest neighbour; Cityscapes:
  decoded at half size, which is 1024x512 already) and ``image_classification.py`` (JPEG decoded at
  a reduced scale no smaller than 256x256, area resize), each ending with ``PackInputs``;
* **dareg full decode**: the same at full size with the previous interpolation (Cityscapes:
  bicubic), where that differs from the default;
* **PIL uint8**: Pillow decode, bicubic resize (+ nearest label), uint8 CHW: dareg's output;
* **PIL ref.**: what AdaptSegNet's ``GTA5DataSet`` / ``cityscapesDataSet`` do (the same, then
  float32, RGB -> BGR, mean subtraction, HWC -> CHW on the CPU).

The pipelines take turns image by image, so all see the same machine load and the same (warm) file
cache. Each image is timed by the process's CPU time (what one worker with a core to itself
delivers, whatever else the machine runs) and by wall-clock time. Images are smooth random fields
with mild noise, so their PNGs compress like photographs (a few MB each) rather than like noise.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

#: (name, image size (width, height), training size (width, height), has labels, file format)
DATASET_SHAPES = (
    ("GTA5", (1914, 1052), (1280, 720), True, "png"),
    ("Cityscapes", (2048, 1024), (1024, 512), False, "png"),
    ("JPEG", (1000, 1000), (256, 256), False, "jpg"),
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


def _has_size(path: Path, size: tuple[int, int]) -> bool:
    from dareg.datasets.transforms.reduced_decode import file_shape

    header = file_shape(str(path)) if path.is_file() else None
    return header is not None and header[1] == (size[1], size[0])


def write_dataset(
    root: Path, name: str, size: tuple[int, int], labels: bool, count: int, seed: int = 0, fmt: str = "png"
) -> list[dict]:
    """Write ``count`` synthetic images (and palette labels) of ``size``; return their results dicts.

    Files already there with the right size are kept, so a ``root`` that persists between runs
    saves writing full-size images again.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    palette = rng.integers(0, 256, size=256 * 3, dtype=np.uint8).tolist()
    items = []
    for index in range(count):
        item = {"img_path": str(folder / f"{index:05d}.{fmt}")}
        if not _has_size(Path(item["img_path"]), size):
            params = [cv2.IMWRITE_JPEG_QUALITY, 90] if fmt == "jpg" else []
            cv2.imwrite(item["img_path"], synthetic_photo(rng, *size), params)
        if labels:
            item["seg_path"] = str(folder / f"{index:05d}_label.png")
            if not _has_size(Path(item["seg_path"]), size):
                label = Image.fromarray(synthetic_label(rng, *size), mode="P")
                label.putpalette(palette)
                label.save(item["seg_path"])
        items.append(item)
    return items


def pipeline_configs(name: str, train_size: tuple[int, int]) -> dict[str, list[dict] | None]:
    """dareg's pipeline for dataset ``name`` (as in its base config) and its full-decode variant.

    ``tests/test_benchmark/test_data.py`` checks that ``"dareg"`` equals the config's.
    The full-decode variant is None where it is the same pipeline (GTA5).
    """
    scale = tuple(train_size)
    pack = dict(type="PackInputs")
    if name == "GTA5":
        resize = dict(type="Resize", scale=scale, interpolation="bicubic")
        return {
            "dareg": [dict(type="LoadImageFromFile"), dict(type="LoadIndexedSegMap"), resize, pack],
            "dareg_full": None,
        }
    if name == "Cityscapes":
        reduced, resize = dict(min_size=scale), dict(type="Resize", scale=scale, interpolation="area")
        full_resize = dict(type="Resize", scale=scale, interpolation="bicubic")
    else:  # a JPEG through the classification benchmarks' loading and resize
        reduced, resize = dict(min_size=scale), dict(type="Resize", scale=scale, antialias=True)
        full_resize = resize
    return {
        "dareg": [dict(type="LoadImageFromFile", **reduced), resize, pack],
        "dareg_full": [dict(type="LoadImageFromFile"), full_resize, pack],
    }


def dareg_pipeline(steps: Sequence[dict]) -> Callable[[dict], dict]:
    """A callable running the transforms ``steps`` (configs) on a copy of a results dict."""
    from dareg.registry import TRANSFORMS

    transforms = [TRANSFORMS.build(dict(step)) for step in steps]

    def run(results: dict) -> dict:
        results = dict(results)
        for transform in transforms:
            results = transform(results)
        return results

    return run


def pil_pipeline(size: tuple[int, int], normalize: bool = True) -> Callable[[dict], Any]:
    """AdaptSegNet's ``GTA5DataSet`` / ``cityscapesDataSet`` ``__getitem__`` (Pillow), resizing to ``size``.

    With ``normalize=False`` it stops at a uint8 ``C x H x W`` BGR array, the output of dareg's
    pipeline (which normalises on the device), for a like-for-like comparison.
    """
    from PIL import Image

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


@contextlib.contextmanager
def one_worker_threads() -> Iterator[None]:
    """OpenCV and PyTorch on one thread, as in a data-loader worker (mmengine sets cv2's to 0)."""
    import torch

    cv2_threads, torch_threads = cv2.getNumThreads(), torch.get_num_threads()
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(cv2_threads)
        torch.set_num_threads(torch_threads)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 arrays, in dB (inf when equal)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


@dataclass
class PipelineResult:
    """Per-image seconds (CPU and wall) of each pipeline on one dataset shape, and output quality."""

    dataset: str
    source_size: tuple[int, int]
    train_size: tuple[int, int]
    file_mb: float
    cpu: dict[str, list[float]] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)
    #: PSNR (dB) of each dareg pipeline's output against the Pillow bicubic output, first image.
    psnr_vs_pil: dict[str, float] = field(default_factory=dict)
    #: OpenCV resize of the first image by interpolation: [PSNR (dB) against Pillow's bicubic, CPU ms].
    interpolations: dict[str, list[float]] = field(default_factory=dict)

    def images_per_second(self, which: str, clock: str = "cpu") -> float:
        """Median images per second of pipeline ``which`` by ``clock`` (``"cpu"`` or ``"wall"``)."""
        return 1.0 / max(statistics.median(getattr(self, clock)[which]), 1e-9)


def _pipelines(name: str, train_size: tuple[int, int]) -> dict[str, Callable[[dict], Any]]:
    pipelines = {key: dareg_pipeline(steps) for key, steps in pipeline_configs(name, train_size).items() if steps}
    pipelines["pil_uint8"] = pil_pipeline(train_size, normalize=False)
    pipelines["pil"] = pil_pipeline(train_size)
    return pipelines


def compare_interpolations(path: str, size: tuple[int, int], repeats: int = 5) -> dict[str, list[float]]:
    """OpenCV's bicubic, area and bilinear resize of one image to ``size`` against Pillow's bicubic.

    Pillow filters while it shrinks (its bicubic kernel is widened by the reduction factor), OpenCV's
    bicubic does not; area averaging is OpenCV's filtered shrink. Returns ``{name: [PSNR, CPU ms]}``.
    """
    from PIL import Image

    image = cv2.imread(path, cv2.IMREAD_COLOR)
    reference = np.asarray(Image.fromarray(image[:, :, ::-1]).resize(size, Image.BICUBIC))[:, :, ::-1]
    compared = {}
    for name, flag in (("bicubic", cv2.INTER_CUBIC), ("area", cv2.INTER_AREA), ("bilinear", cv2.INTER_LINEAR)):
        seconds = []
        for _ in range(repeats):
            start = time.process_time()
            resized = cv2.resize(image, size, interpolation=flag)
            seconds.append(time.process_time() - start)
        compared[name] = [psnr(resized, reference), 1000 * statistics.median(seconds)]
    return compared


def _quality(pipelines: dict[str, Callable[[dict], Any]], item: dict) -> dict[str, float]:
    reference = pipelines["pil_uint8"](item)
    reference = reference[0] if isinstance(reference, tuple) else reference
    return {
        key: psnr(pipelines[key](item)["inputs"].numpy(), reference) for key in pipelines if key.startswith("dareg")
    }


def benchmark_data(
    count: int = 8, repeats: int = 3, root: str | None = None, shapes: Sequence[tuple] = DATASET_SHAPES
) -> list[PipelineResult]:
    """Time every pipeline on ``count`` images per dataset shape, ``repeats`` passes, taking turns.

    Args:
        count: Images per dataset shape.
        repeats: Passes over the images.
        root: Folder for the images, kept (and reused) after the run; None uses a temporary one.
        shapes: ``(name, size, train_size, labels[, format])`` tuples; see :data:`DATASET_SHAPES`.
    """
    with tempfile.TemporaryDirectory(prefix="dareg_data_benchmark_") as tmp, one_worker_threads():
        base = Path(root or tmp)
        results = []
        for name, size, train_size, labels, *fmt in shapes:
            items = write_dataset(base, name, size, labels, count, fmt=fmt[0] if fmt else "png")
            file_mb = statistics.mean(Path(i["img_path"]).stat().st_size for i in items) / 2**20
            pipelines = _pipelines(name, tuple(train_size))
            result = PipelineResult(
                name, tuple(size), tuple(train_size), file_mb, psnr_vs_pil=_quality(pipelines, items[0])
            )
            result.interpolations = compare_interpolations(items[0]["img_path"], tuple(train_size))
            order = list(pipelines.items())
            for key in pipelines:
                result.cpu[key], result.wall[key] = [], []
            for repeat in range(repeats):
                for index, item in enumerate(items):
                    shift = (index + repeat) % len(order)  # rotate who goes first
                    for key, pipeline in order[shift:] + order[:shift]:
                        cpu, wall = time.process_time(), time.perf_counter()
                        pipeline(item)
                        result.wall[key].append(time.perf_counter() - wall)
                        result.cpu[key].append(time.process_time() - cpu)
            results.append(result)
        return results
