"""A digit run checkpoint by checkpoint: accuracy by digit polarity, and what its generator draws.

On the photo-blend digit pair, for each ``iter_N.pth`` of a work directory:

* target test accuracy on bright digits (dark background) and on dark digits (bright background);
* for a model with a ``generator`` (PixelDA, CycleGAN, CyCADA): the share of translated source test
  digits whose background is bright, i.e. how often the generator draws the *dark-on-bright* mode that
  a third of the real target images show and no source image does.

``tools/analysis/polarity_study.py`` is its command line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import torch
from mmengine.config import Config

from dareg.analysis.classifiers import (
    accuracy_by_mask,
    as_numpy_images,
    dark_digit_mask,
    load_trained_model,
    predict_labels,
)
from dareg.apis.translate import Translator

#: Images and labels of a split.
Arrays = tuple[torch.Tensor, torch.Tensor]


def checkpoints(work_dir: Path) -> list[tuple[int, Path]]:
    """``(iteration, path)`` of every ``iter_N.pth`` of a work directory, in order."""
    found = [
        (int(m.group(1)), p) for p in work_dir.glob("iter_*.pth") if (m := re.fullmatch(r"iter_(\d+)\.pth", p.name))
    ]
    return sorted(found)


def study_run(cfg: Config, work_dir: Path, target: Arrays, source: Arrays) -> list[dict[str, float]]:
    """Per checkpoint of ``work_dir``: accuracy on bright and dark target digits, and (with a
    generator) the share of translated source digits drawn dark-on-bright."""
    target_images, target_labels = target
    source_images, _ = source
    dark = dark_digit_mask(target_images)
    rows = []
    for iteration, path in checkpoints(work_dir):
        model = load_trained_model(cfg, str(path))
        predictions = predict_labels(model, target_images)
        split = accuracy_by_mask(predictions, target_labels, dark)
        row = {
            "iter": iteration,
            "bright_digit_accuracy": split["unmasked"],
            "dark_digit_accuracy": split["masked"],
            "accuracy": 100.0 * float((predictions == target_labels).float().mean()),
        }
        if "generator" in cfg.model:
            torch.manual_seed(0)
            translated = Translator(model.generator, model.data_preprocessor)(source_images)
            row["translated_dark_digit_share"] = 100.0 * float(dark_digit_mask(translated).float().mean())
        rows.append(row)
        print(work_dir.name, row, flush=True)
    return rows


def grid(cfg: Config, checkpoint: Path, source_images: torch.Tensor, path: Path, count: int = 12) -> None:
    """A PNG: the first ``count`` source digits (top row) and three translations of each, fresh noise."""
    model = load_trained_model(cfg, str(checkpoint))
    translator = Translator(model.generator, model.data_preprocessor)
    images = source_images[:count]
    torch.manual_seed(0)
    rows = [images] + [translator(images) for _ in range(3)]
    array = [np.concatenate(list(as_numpy_images(row)), axis=1) for row in rows]
    picture = np.concatenate(array, axis=0)
    cv2.imwrite(str(path), cv2.resize(picture, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST))


def write_report(results: dict[str, list[dict[str, float]]], out: Path) -> None:
    """``polarity_study.json``, ``polarity_study.md`` (a table per work directory) and ``.png`` (curves)."""
    (out / "polarity_study.json").write_text(json.dumps(results, indent=1))
    lines = []
    for work_dir, rows in results.items():
        keys = [k for k in rows[0] if k != "iter"]
        lines += [f"`{work_dir}`", "", "| iteration | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        lines += [f"| {r['iter']} | " + " | ".join(f"{r[k]:.1f}" for k in keys) + " |" for r in rows]
        lines.append("")
    (out / "polarity_study.md").write_text("\n".join(lines))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for index, (work_dir, rows) in enumerate(results.items()):
        its = [r["iter"] for r in rows]
        label = Path(work_dir).name
        axes[0].plot(
            its, [r["dark_digit_accuracy"] for r in rows], marker=".", label=f"{label}: dark digits", color=f"C{index}"
        )
        axes[0].plot(
            its,
            [r["bright_digit_accuracy"] for r in rows],
            linestyle=":",
            color=f"C{index}",
            label=f"{label}: bright digits",
        )
        if "translated_dark_digit_share" in rows[0]:
            axes[1].plot(
                its, [r["translated_dark_digit_share"] for r in rows], marker=".", label=label, color=f"C{index}"
            )
    axes[0].set(xlabel="iteration", ylabel="target test accuracy (%)", title="accuracy by digit polarity")
    axes[1].set(xlabel="iteration", ylabel="% of translations", title="translations drawn dark-on-bright")
    for ax in axes:
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out / "polarity_study.png", dpi=110)
