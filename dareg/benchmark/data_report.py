"""Tables of the data-pipeline benchmark, and how many data-loader workers a GPU iteration needs.

One AdaptSegNet iteration consumes one GTA5 and one Cityscapes image (batch 1 + 1). A worker
spends ``1 / rate_GTA5 + 1 / rate_Cityscapes`` seconds on that pair, so keeping up with a GPU step
of ``step`` seconds takes ``ceil(headroom * (1 / rate_GTA5 + 1 / rate_Cityscapes) / step)``
workers: the formula ``ceil(images per iteration / (images/s per worker * step))`` with the two
rates combined, and ``headroom`` for variation between images (real frames are not all the same
size on disk) and for the main process's collation and copies, which are not counted.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dareg.benchmark.data import PipelineResult

#: GPU step times (s/iter) of AdaptSegNet DeepLab-v2 R101 at 1280x720 + 1024x512, batch 1 + 1.
#: 1.7: the authors' Titan X, training "done in about 3 days" (wasidennis/AdaptSegNet issue #76;
#: 1.7-2.2 s/iter over the script's 150k or 120k iterations; 5.7 s/iter reported there on a K80).
#: 0.6 and 0.3 are assumed for a V100 and an A100 in fp32 (not measured here); 0.15 an assumed fast
#: case (AMP on an A100/H100).
DEFAULT_STEP_TIMES = (1.7, 0.6, 0.3, 0.15)
#: What one AdaptSegNet iteration reads.
ADAPTSEGNET_IMAGES = {"GTA5": 1, "Cityscapes": 1}


def worker_seconds(results: Sequence[PipelineResult], which: str, images: dict[str, int]) -> float:
    """CPU seconds one worker spends on the ``images`` of one iteration with pipeline ``which``."""
    by_name = {r.dataset: r for r in results}
    total = 0.0
    for name, count in images.items():
        result = by_name[name]
        key = which if which in result.cpu else "dareg"
        total += count / result.images_per_second(key)
    return total


def workers_needed(seconds_per_iteration: float, step_time: float, headroom: float = 1.5) -> int:
    """Workers to prepare one iteration's data (``seconds_per_iteration`` of one worker) per GPU step."""
    if step_time <= 0 or headroom <= 0:
        raise ValueError(f"step_time and headroom must be positive, got {step_time} and {headroom}")
    return max(1, math.ceil(headroom * seconds_per_iteration / step_time - 1e-9))


def format_data_results(results: Sequence[PipelineResult]) -> str:
    """A table of images per second per worker (CPU time and wall clock) and output quality."""
    lines = [
        f"{'dataset':<11}{'image -> train':>22}{'MB':>6}{'dareg':>8}{'full dec.':>10}{'PIL u8':>8}{'PIL ref':>8}"
        f"{'vs ref':>8}{'dareg wall':>11}{'PIL ref wall':>13}{'PSNR dareg/full':>17}"
    ]
    for r in results:
        rate = {key: r.images_per_second(key) for key in r.cpu}
        full = f"{rate['dareg_full']:>10.1f}" if "dareg_full" in rate else f"{'=':>10}"
        quality = "/".join(f"{r.psnr_vs_pil[k]:.1f}" for k in ("dareg", "dareg_full") if k in r.psnr_vs_pil)
        sizes = f"{r.source_size[0]}x{r.source_size[1]} -> {r.train_size[0]}x{r.train_size[1]}"
        lines.append(
            f"{r.dataset:<11}{sizes:>22}{r.file_mb:>6.2f}{rate['dareg']:>8.1f}{full}{rate['pil_uint8']:>8.1f}"
            f"{rate['pil']:>8.1f}{rate['dareg'] / rate['pil']:>7.2f}x{r.images_per_second('dareg', 'wall'):>11.1f}"
            f"{r.images_per_second('pil', 'wall'):>13.1f}{quality:>17}"
        )
    lines += [
        "images/s per worker: medians over every image and pass, by the process's CPU time (one worker with a",
        "core to itself) unless marked wall (as measured, with whatever else ran). dareg: the config's pipeline;",
        "full dec.: decoded at full size with the previous interpolation ('=': the same as dareg); PIL u8: Pillow,",
        "bicubic, the same uint8 output; PIL ref: AdaptSegNet's dataset code (float32, BGR, mean subtracted).",
        "PSNR (dB) against the Pillow bicubic output, first image.",
        "",
        "OpenCV resize of the first image: PSNR (dB) against Pillow's bicubic (filtered shrink) / CPU ms",
    ]
    for r in results:
        lines.append(
            f"{r.dataset:<11}" + "".join(f"{k:>10} {v[0]:5.1f} / {v[1]:5.2f}" for k, v in r.interpolations.items())
        )
    return "\n".join(lines)


def format_workers(
    results: Sequence[PipelineResult],
    step_times: Sequence[float] = DEFAULT_STEP_TIMES,
    headroom: float = 1.5,
    images: dict[str, int] = ADAPTSEGNET_IMAGES,
) -> str:
    """Data-loader workers per GPU for each step time, with dareg's pipeline and the reference's."""
    if not set(images) <= {r.dataset for r in results}:
        return f"(workers need the {', '.join(images)} rows)"
    pair = " + ".join(f"{n} {k}" for k, n in images.items())
    seconds = {which: worker_seconds(results, which, images) for which in ("dareg", "pil")}
    lines = [
        f"Data-loader workers per GPU for AdaptSegNet ({pair} per iteration; one worker spends "
        f"{seconds['dareg'] * 1000:.0f} ms of CPU on it with dareg, {seconds['pil'] * 1000:.0f} ms with the "
        f"reference code), ceil({headroom:g} x worker seconds / step):",
        f"{'GPU step (s/iter)':>18}{'dareg':>8}{'PIL ref':>9}",
    ]
    for step in step_times:
        lines.append(
            f"{step:>18.3g}{workers_needed(seconds['dareg'], step, headroom):>8}"
            f"{workers_needed(seconds['pil'], step, headroom):>9}"
        )
    return "\n".join(lines)


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--data`` options of ``tools/benchmark.py``."""
    parser.add_argument("--data", action="store_true", help="benchmark the data pipeline instead")
    parser.add_argument("--images", type=int, default=8, help="--data: images per dataset")
    parser.add_argument("--repeats", type=int, default=3, help="--data: passes over the images")
    parser.add_argument(
        "--step-time",
        type=float,
        nargs="+",
        default=list(DEFAULT_STEP_TIMES),
        metavar="S",
        help="--data: GPU seconds per AdaptSegNet iteration to size the workers for (default: "
        "1.7 = the authors' Titan X; 0.6, 0.3, 0.15 assumed for V100, A100, AMP)",
    )
    parser.add_argument("--headroom", type=float, default=1.5, help="--data: worker headroom factor")
    parser.add_argument("--data-dir", help="--data: keep the generated images here and reuse them")


def run_data_benchmark(args: argparse.Namespace, shapes: Sequence[tuple] | None = None) -> int:
    """Run the data benchmark with the options of :func:`add_data_arguments`; print (and save) it."""
    from dataclasses import asdict

    from dareg.benchmark.data import DATASET_SHAPES, benchmark_data

    results = benchmark_data(
        count=args.images, repeats=args.repeats, root=args.data_dir, shapes=shapes or DATASET_SHAPES
    )
    print(format_data_results(results))
    print()
    print(format_workers(results, args.step_time, args.headroom))
    if getattr(args, "json", None):
        with open(args.json, "w") as handle:
            json.dump([asdict(r) for r in results], handle, indent=2)
    return 0
