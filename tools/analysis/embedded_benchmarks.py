"""Every table and plot of dareg's embedded benchmarks, from one command, on the data dareg ships.

    python tools/analysis/embedded_benchmarks.py [--seeds 0 1 2] [--jobs 2] [--only TABLE ...]
        [--out-dir work_dirs/embedded_benchmarks] [--docs docs/results/embedded]

Each table is a domain pair that needs no download, with a **source-only** row, a **target oracle**
row (the same network trained on the labelled target training split, evaluated on the same target
test split) and the methods (and ablations) on it; every row is a config under ``configs/demo/`` run
through ``tools/train.py`` once per seed. A table reports the **last** checkpoint of every run (no
selection on target labels), mean ± sample std over seeds, the gain over source-only and the gap
closed, ``(method - source-only) / (oracle - source-only)``, per seed (:mod:`dareg.analysis.tables`).

Finished runs are reused as long as the resolved config of the run is unchanged
(:mod:`dareg.analysis.runs`); an interrupted study continues where it stopped. The outputs, in
``--out-dir`` and copied to ``--docs``: ``tables.md`` (every table, the commands, seeds, wall times,
host), one PNG per table (bars with the seeds as dots, source-only and oracle as lines), learning
curves, and ``runs.json`` (per run: command, config digest, validation history, wall time), so every
number can be traced to its run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dareg.analysis.runs import RunRecord, last_checkpoint, run_training  # noqa: E402
from dareg.analysis.tables import MethodResult, format_table, mean_std  # noqa: E402


@dataclass
class Row:
    """One row of a table: a config trained once per seed.

    ``depends`` maps a config key to ``"ckpt:<row>"`` (that row's last checkpoint, same seed) or
    ``"translated:<row>"`` (the folder that row's translation step wrote, same seed). ``translate``
    runs ``tools/translate.py`` on the trained checkpoint (the source training set into the target
    style). ``polarity`` adds the bright/dark digit split of the photo-blend pair. ``quality`` names
    the oracle row whose classifier measures this row's translation (label preservation and
    target-likeness); ``quality_size`` is the side the translations are resized to for it.
    """

    key: str
    name: str
    config: str
    role: str = "method"
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    depends: dict[str, str] = field(default_factory=dict)
    translate: bool = False
    polarity: bool = False
    quality: str | None = None
    quality_size: int | None = None
    metric: str = "accuracy"
    curve: bool = False


@dataclass
class Table:
    """One domain pair: a title, what it is, and its rows."""

    key: str
    title: str
    description: str
    rows: list[Row]
    metric_label: str = "accuracy (%)"


def _classification_methods(pair: str, polarity: bool = False) -> list[Row]:
    """DANN, CDAN, CDAN+E, MCD and MDD demo rows on a digit pair, where their configs exist."""
    rows = []
    for key, name in (("dann", "DANN"), ("cdan", "CDAN"), ("cdan_e", "CDAN+E"), ("mcd", "MCD"), ("mdd", "MDD")):
        config = f"configs/demo/{key}_{pair}.py"
        if (ROOT / config).is_file():
            rows.append(Row(f"{key}_{pair}", name, config, polarity=polarity))
    return rows


#: Options that switch the streets pair to hedges (every split of the pair).
HEDGES = {
    "train_dataloader.dataset.source.vegetation_layout": "hedge",
    "train_dataloader.dataset.target.vegetation_layout": "hedge",
    "val_dataloader.dataset.vegetation_layout": "hedge",
}

TABLES: list[Table] = [
    Table(
        "synth2real",
        "Font-rendered -> real handwritten digits (28x28 grey, LeNet)",
        "Source: 10,000 digits rendered with OpenCV's Hershey fonts; target: scikit-learn's real "
        "handwritten digits (1,078 unlabelled training, 719 test images). The sim-to-real pair in miniature.",
        [
            Row("source_only_synth2real", "Source-only", "configs/demo/source_only_synth2real.py", "source_only"),
            Row("oracle_synth2real", "Target oracle", "configs/demo/oracle_synth2real.py", "oracle"),
            Row("adda_synth2real", "ADDA", "configs/demo/adda_synth2real.py", curve=True),
            *_classification_methods("synth2real"),
            Row(
                "dann_synth2real_no_adv",
                "DANN / CDAN recipe, lambda_adv = 0 (ablation)",
                "configs/demo/dann_synth2real.py",
                "ablation",
                options={"model.lambda_adv": 0.0},
                note="the same network, bottleneck, SGD + inv schedule and 1,500 iterations, no domain loss",
            ),
            Row(
                "mcd_synth2real_no_adv",
                "MCD recipe, lambda_disc = lambda_balance = 0 (ablation)",
                "configs/demo/mcd_synth2real.py",
                "ablation",
                options={"model.lambda_disc": 0.0, "model.lambda_balance": 0.0},
                note="steps A, B and C as MCD runs them, with no discrepancy or class-balance term",
            ),
            Row(
                "mdd_synth2real_no_adv",
                "MDD recipe, lambda_adv = 0 (ablation)",
                "configs/demo/mdd_synth2real.py",
                "ablation",
                options={"model.lambda_adv": 0.0},
                note="the same network, heads and schedule, no disparity term",
            ),
        ],
    ),
    Table(
        "photoblend",
        "Handwritten -> photo-blended digits (28x28 grey, LeNet)",
        "Source: scikit-learn's handwritten digits, MNIST-style; target: other digits difference-blended "
        "over patches of scikit-learn's two photos, MNIST-M-style (449 unlabelled training, 450 test images).",
        [
            Row(
                "source_only_digits", "Source-only", "configs/demo/source_only_digits.py", "source_only", polarity=True
            ),
            Row("oracle_digits", "Target oracle", "configs/demo/oracle_digits.py", "oracle", polarity=True),
            Row("adda_digits", "ADDA", "configs/demo/adda_digits.py", polarity=True),
            *_classification_methods("digits", polarity=True),
            Row(
                "cycada_task_digits",
                "CyCADA pixel-level: source-only on translated source",
                "configs/demo/cycada_digits_translated_source_only.py",
                depends={"train_dataloader.dataset.source.img_root": "translated:cycada_gan_digits"},
                polarity=True,
                note="stage (b) translation, then the source-only LeNet",
            ),
            Row(
                "cycada_adda_digits",
                "CyCADA pixel + feature-level (ADDA on translated source)",
                "configs/demo/cycada_digits_stage_c.py",
                depends={"train_dataloader.dataset.source.img_root": "translated:cycada_gan_digits"},
                polarity=True,
                note="stage (c)",
            ),
        ],
    ),
    Table(
        "photoblend_rgb32",
        "Handwritten -> photo-blended digits (32x32 colour, pixel-level adaptation)",
        "The photo-blend pair in PixelDA's setting: 32x32 colour, task classifier a LeNet.",
        [
            Row(
                "source_only_digits_rgb32",
                "Source-only",
                "configs/demo/source_only_digits_rgb32.py",
                "source_only",
                polarity=True,
            ),
            Row("oracle_digits_rgb32", "Target oracle", "configs/demo/oracle_digits_rgb32.py", "oracle", polarity=True),
            Row(
                "pixelda_digits_d2x",
                "PixelDA (discriminator 32-64-128-256)",
                "configs/demo/pixelda_digits.py",
                polarity=True,
                curve=True,
            ),
            Row(
                "pixelda_digits",
                "PixelDA, discriminator 16-32-64-128 (ablation: the previous demo)",
                "configs/demo/pixelda_digits.py",
                "ablation",
                options={"model.discriminator.channels": (16, 32, 64, 128)},
                polarity=True,
                curve=True,
                note="a quarter of the reference discriminator width instead of half",
            ),
        ],
    ),
    Table(
        "streets",
        "Synthetic street scenes, game-like -> real-like (AdaptSegNet, 8 classes, 64x128)",
        "Same scene layouts in both domains, different appearance; labelled source and unlabelled target "
        "training scenes (200 each), 100 target val scenes. mIoU in %.",
        [
            Row(
                "source_only_synthetic",
                "Source-only",
                "configs/demo/source_only_synthetic.py",
                "source_only",
                metric="mIoU",
            ),
            Row("oracle_synthetic", "Target oracle", "configs/demo/oracle_synthetic.py", "oracle", metric="mIoU"),
            Row("adaptseg_synthetic", "AdaptSegNet", "configs/demo/adaptseg_synthetic.py", metric="mIoU"),
            Row(
                "adaptseg_synthetic_no_adv",
                "AdaptSegNet, lambda_adv = 1e-12 (ablation)",
                "configs/demo/adaptseg_synthetic.py",
                "ablation",
                options={"model.lambda_adv": (1e-12, 1e-12)},
                metric="mIoU",
                note="discriminators train, segmentor gets no adversarial gradient",
            ),
            Row(
                "adaptseg_synthetic_lam25x",
                "AdaptSegNet, lambda_adv (0.005, 0.025) (25x the reference)",
                "configs/demo/adaptseg_synthetic.py",
                options={"model.lambda_adv": (0.005, 0.025)},
                metric="mIoU",
                note="lever tried: adversarial weight",
            ),
            Row(
                "adaptseg_synthetic_dlr4e4",
                "AdaptSegNet, discriminator lr 4e-4",
                "configs/demo/adaptseg_synthetic.py",
                options={"optim_wrapper.discriminators.optimizer.lr": 4e-4},
                metric="mIoU",
                note="lever tried: discriminator learning rate",
            ),
            Row(
                "adaptseg_synthetic_d64",
                "AdaptSegNet, discriminator 64 base channels (the reference width)",
                "configs/demo/adaptseg_synthetic.py",
                options={"model.discriminator.base_channels": 64},
                metric="mIoU",
                note="lever tried: discriminator capacity",
            ),
        ],
        metric_label="mIoU (%)",
    ),
    Table(
        "streets_hedge",
        "Synthetic street scenes with hedges, game-like -> real-like (AdaptSegNet, 8 classes, 64x128)",
        "The streets pair with vegetation_layout='hedge': roadside vegetation drawn as low hedges and trees "
        "along the sidewalk instead of in the facades' slots, so the label layout tells vegetation from "
        "building. Everything else as the streets table. mIoU in %.",
        [
            Row(
                "source_only_synthetic_hedge",
                "Source-only",
                "configs/demo/source_only_synthetic.py",
                "source_only",
                options=HEDGES,
                metric="mIoU",
            ),
            Row(
                "oracle_synthetic_hedge",
                "Target oracle",
                "configs/demo/oracle_synthetic.py",
                "oracle",
                options=HEDGES,
                metric="mIoU",
            ),
            Row(
                "adaptseg_synthetic_hedge",
                "AdaptSegNet",
                "configs/demo/adaptseg_synthetic.py",
                options=HEDGES,
                metric="mIoU",
            ),
            Row(
                "adaptseg_synthetic_hedge_no_adv",
                "AdaptSegNet, lambda_adv = 1e-12 (ablation)",
                "configs/demo/adaptseg_synthetic.py",
                "ablation",
                options={**HEDGES, "model.lambda_adv": (1e-12, 1e-12)},
                metric="mIoU",
                note="discriminators train, segmentor gets no adversarial gradient",
            ),
        ],
        metric_label="mIoU (%)",
    ),
    Table(
        "translation",
        "Image translation on the photo-blend digit pair, measured",
        "Label preservation: accuracy of the frozen target oracle (same seed) on translated source test "
        "images. Target-likeness: share of translated source test images that a domain classifier trained on "
        "real source vs real target images calls target.",
        [
            Row(
                "cyclegan_digits",
                "CycleGAN (32x32 colour)",
                "configs/demo/cyclegan_digits.py",
                quality="oracle_digits_rgb32",
            ),
            Row(
                "discogan_digits",
                "DiscoGAN (64x64 colour, evaluated at 32x32)",
                "configs/demo/discogan_digits.py",
                quality="oracle_digits_rgb32",
                quality_size=32,
            ),
            Row(
                "cycada_gan_digits",
                "CyCADA translator (28x28 grey, semantic consistency)",
                "configs/demo/cycada_digits.py",
                depends={"model.task_checkpoint": "ckpt:source_only_digits"},
                translate=True,
                quality="oracle_digits",
            ),
        ],
    ),
]
ROWS: dict[str, Row] = {row.key: row for table in TABLES for row in table.rows}


class Study:
    """Runs (row, seed) jobs with their dependencies on a thread pool; each job is a subprocess."""

    def __init__(self, out_dir: Path, jobs: int, reuse: bool) -> None:
        self.out_dir, self.reuse = out_dir, reuse
        self.pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        self.futures: dict[tuple[str, int], Future] = {}
        self.lock = threading.Lock()

    def work_dir(self, key: str, seed: int) -> Path:
        return self.out_dir / key / f"seed_{seed}"

    def submit(self, key: str, seed: int) -> Future:
        """Submit a job after its dependencies (so that a waiting job never blocks its prerequisite)."""
        with self.lock:
            if (key, seed) in self.futures:
                return self.futures[(key, seed)]
        for reference in ROWS[key].depends.values():
            self.submit(reference.split(":", 1)[1], seed)
        quality = ROWS[key].quality
        if quality:
            self.submit(quality, seed)
        with self.lock:
            if (key, seed) not in self.futures:
                self.futures[(key, seed)] = self.pool.submit(self._run, key, seed)
            return self.futures[(key, seed)]

    def _resolve(self, row: Row, seed: int) -> dict[str, Any]:
        options: dict[str, Any] = {"randomness.seed": seed, **row.options}
        for option, reference in row.depends.items():
            kind, other = reference.split(":", 1)
            self.futures[(other, seed)].result()
            other_dir = self.work_dir(other, seed)
            options[option] = last_checkpoint(other_dir) if kind == "ckpt" else str(other_dir / "translated")
        return options

    def _run(self, key: str, seed: int) -> dict[str, Any]:
        row = ROWS[key]
        work_dir = self.work_dir(key, seed)
        options = self._resolve(row, seed)
        record = run_training(row.config, work_dir, options, reuse=self.reuse, root=ROOT)
        result: dict[str, Any] = {"record": record, "work_dir": str(work_dir)}
        if row.translate:
            translate_source(row, work_dir)
        analysis = cached_analysis(work_dir, record)
        if row.polarity and "polarity" not in analysis:
            from dareg.analysis.classifiers import polarity_breakdown
            from dareg.utils.config import load_config

            cfg = load_config(str(ROOT / row.config), options)
            analysis["polarity"] = polarity_breakdown(cfg, last_checkpoint(work_dir), cfg.val_dataloader.dataset)
        if row.quality and "quality" not in analysis:
            self.futures[(row.quality, seed)].result()
            analysis["quality"] = measure_translation(row, options, work_dir, self.work_dir(row.quality, seed), seed)
        save_analysis(work_dir, record, analysis)
        result.update(analysis)
        final = record.final(row.metric) if record.evaluations else math.nan
        print(f"[{key} seed {seed}] {row.metric}={final:.2f} ({record.wall_time_s:.0f} s)", flush=True)
        return result


def cached_analysis(work_dir: Path, record: RunRecord) -> dict[str, Any]:
    """Post-training measurements of this exact run, if already computed."""
    path = work_dir / "analysis.json"
    if path.is_file():
        cached = json.loads(path.read_text())
        if cached.get("digest") == record.digest:
            return cached["analysis"]
    return {}


def save_analysis(work_dir: Path, record: RunRecord, analysis: dict[str, Any]) -> None:
    (work_dir / "analysis.json").write_text(json.dumps({"digest": record.digest, "analysis": analysis}, indent=1))


def translate_source(row: Row, work_dir: Path) -> None:
    """Translate the row's source training set with its trained generator into ``work_dir/translated``."""
    done = work_dir / "translated" / ".complete"
    if done.is_file() and done.read_text() == last_checkpoint(work_dir):
        return
    shutil.rmtree(work_dir / "translated", ignore_errors=True)
    command = [
        sys.executable,
        "tools/translate.py",
        row.config,
        last_checkpoint(work_dir),
        "--dataset",
        "train_dataloader.dataset.source",
        "--out",
        str(work_dir / "translated"),
        "--batch-size",
        "64",
        "--no-progress",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with open(work_dir / "translate.log", "w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    done.write_text(last_checkpoint(work_dir))


def measure_translation(row: Row, options: dict, work_dir: Path, oracle_dir: Path, seed: int) -> dict[str, float]:
    """Label preservation and target-likeness of a translation row (see dareg.analysis.translation_quality)."""
    import cv2
    import numpy as np
    import torch

    from dareg.analysis.classifiers import as_numpy_images, classifier_fn, dataset_arrays
    from dareg.analysis.translation_quality import train_domain_classifier, translation_quality
    from dareg.apis.translate import build_translator
    from dareg.utils.config import load_config

    oracle_row = ROWS[row.quality]
    oracle_cfg = load_config(str(ROOT / oracle_row.config))
    pair = oracle_cfg.train_dataloader.dataset  # the oracle's source is the labelled target training split
    base = dict(oracle_cfg.val_dataloader.dataset)
    source_test = dict(base, domain="source", split="test")
    source_train = dict(base, domain="source", split="train")
    target_images, target_labels = dataset_arrays(dict(oracle_cfg.val_dataloader.dataset))
    source_images, source_labels = dataset_arrays(source_test)
    domain_classifier = train_domain_classifier(dataset_arrays(source_train)[0], dataset_arrays(pair.target)[0], seed)

    cfg = load_config(str(ROOT / row.config), options)
    translator = build_translator(cfg, last_checkpoint(work_dir))
    model_size = cfg.train_dataloader.dataset.source.get("image_size", source_images.shape[-1])

    def translate(images: torch.Tensor) -> torch.Tensor:
        def resize(batch: torch.Tensor, size: int) -> torch.Tensor:
            if batch.shape[-1] == size:
                return batch
            array = as_numpy_images(batch)
            out = [
                cv2.resize(a, (size, size), interpolation=cv2.INTER_LINEAR if size > a.shape[0] else cv2.INTER_AREA)
                for a in array
            ]
            tensor = torch.from_numpy(np.stack(out))
            return tensor.unsqueeze(1) if tensor.ndim == 3 else tensor.permute(0, 3, 1, 2)

        return resize(translator(resize(images, model_size)), images.shape[-1])

    quality = translation_quality(
        translate,
        source_images,
        source_labels,
        target_images,
        target_labels,
        classifier_fn(oracle_cfg, last_checkpoint(oracle_dir)),
        domain_classifier,
    )
    return quality.to_dict()


def table_rows(table: Table, results: dict[tuple[str, int], dict], seeds: Sequence[int]) -> list[MethodResult]:
    rows = []
    for row in table.rows:
        per_seed = {s: results[(row.key, s)]["record"].final(row.metric) for s in seeds if (row.key, s) in results}
        if not per_seed:
            continue
        extra = {}
        if row.polarity:
            polarity = [results[(row.key, s)]["polarity"] for s in per_seed]
            bright = mean_std([p["bright_digit_accuracy"] for p in polarity])[0]
            dark = mean_std([p["dark_digit_accuracy"] for p in polarity])[0]
            extra["Bright / dark digits"] = f"{bright:.1f} / {dark:.1f}"
        rows.append(MethodResult(row.name, per_seed, row.role, row.note, extra))
    return rows


def translation_table(table: Table, results: dict, seeds: Sequence[int]) -> str:
    columns = [
        ("label_preservation", "Label preservation (%)"),
        ("target_likeness", "Target-likeness (%)"),
    ]
    lines = [
        "| Translator | " + " | ".join(c for _, c in columns) + " | Oracle on real target / on untranslated "
        "source | Target-likeness of real target / real source | Domain classifier accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.rows:
        runs = [results[(row.key, s)]["quality"] for s in seeds if (row.key, s) in results]
        if not runs:
            continue

        def cell(key: str, runs: list[dict] = runs) -> str:
            mean, std = mean_std([r[key] for r in runs])
            return f"{mean:.1f}" + (f" ± {std:.1f}" if math.isfinite(std) else "")

        lines.append(
            f"| {row.name} | "
            + " | ".join(cell(k) for k, _ in columns)
            + f" | {cell('oracle_on_real_target')} / {cell('oracle_on_untranslated_source')}"
            + f" | {cell('target_likeness_real_target')} / {cell('target_likeness_real_source')}"
            + f" | {cell('domain_classifier_accuracy')} |"
        )
    return "\n".join(lines) + "\n"


def bar_plot(table: Table, rows: list[MethodResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [r for r in rows if r.role not in ("source_only", "oracle")]
    references = {r.role: r.stats[0] for r in rows if r.role in ("source_only", "oracle")}
    fig, ax = plt.subplots(figsize=(max(5, 1.3 * len(methods) + 2), 4))
    for index, row in enumerate(methods):
        mean, std = row.stats
        ax.bar(
            index,
            mean,
            yerr=std if math.isfinite(std) else 0,
            capsize=5,
            color="#bbbbbb" if row.role == "ablation" else "#1f77b4",
        )
        ax.scatter([index] * len(row.per_seed), list(row.per_seed.values()), color="black", s=12, zorder=3)
    for role, style in (("source_only", ("#d62728", "source-only")), ("oracle", ("#2ca02c", "target oracle"))):
        if role in references:
            ax.axhline(references[role], color=style[0], linestyle="--", label=f"{style[1]} ({references[role]:.1f})")
    values = [v for r in rows for v in r.per_seed.values()]
    ax.set_ylim(max(0.0, min(values) - 10), min(100.0, max(values) + 5))
    ax.set_xticks(range(len(methods)))
    ax.set_xticklabels([r.name.replace(" (", "\n(").replace(": ", ":\n") for r in methods], fontsize=7)
    ax.set_ylabel(f"target {table.metric_label}, last checkpoint")
    ax.set_title(table.title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_plot(table: Table, results: dict, seeds: Sequence[int], path: Path) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [row for row in table.rows if row.curve]
    if not curves:
        return False
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for colour, row in zip(("#1f77b4", "#ff7f0e", "#9467bd"), curves):
        for seed in seeds:
            if (row.key, seed) not in results:
                continue
            evaluations = [e for e in results[(row.key, seed)]["record"].evaluations if row.metric in e]
            ax.plot(
                [e["step"] for e in evaluations],
                [e[row.metric] for e in evaluations],
                color=colour,
                alpha=0.8,
                label=row.name if seed == seeds[0] else None,
                marker=".",
            )
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"target {table.metric_label}")
    ax.set_title(f"{table.title}: every validation, each seed", fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def report(results: dict, seeds: Sequence[int], out_dir: Path, command: str) -> str:
    lines = [
        "<!-- generated by tools/analysis/embedded_benchmarks.py: do not edit by hand -->",
        "",
        f"Command: `{command}`. Seeds: {', '.join(map(str, seeds))}. Every number is the **last** checkpoint of its "
        "run (no selection on target labels); mean ± sample std over seeds; gain and gap closed are computed per "
        "seed against the source-only and oracle runs of the same seed. Host: "
        f"{platform.node()}, {os.cpu_count()} CPUs, one thread per run, {platform.python_version()}.",
        "",
    ]
    for table in TABLES:
        if not any((row.key, s) in results for row in table.rows for s in seeds):
            continue
        lines += [f"## {table.title}", "", table.description, ""]
        if table.key == "translation":
            lines.append(translation_table(table, results, seeds))
        else:
            rows = table_rows(table, results, seeds)
            lines.append(format_table(rows, table.metric_label))
            bar_plot(table, rows, out_dir / f"{table.key}.png")
            lines += [f"![{table.title}]({table.key}.png)", ""]
            if curve_plot(table, results, seeds, out_dir / f"{table.key}_curves.png"):
                lines += [f"![Learning curves]({table.key}_curves.png)", ""]
        wall = [
            results[(row.key, s)]["record"].wall_time_s for row in table.rows for s in seeds if (row.key, s) in results
        ]
        configs = sorted({row.config for row in table.rows})
        lines += [
            f"Configs: {', '.join(f'`{c}`' for c in configs)}. Wall time per run: "
            f"{min(wall) / 60:.1f} to {max(wall) / 60:.1f} min.",
            "",
        ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time, one CPU thread each")
    parser.add_argument("--only", nargs="+", help="tables (or rows) to run: " + ", ".join(t.key for t in TABLES))
    parser.add_argument("--out-dir", default="work_dirs/embedded_benchmarks")
    parser.add_argument("--docs", help="also copy tables.md, the PNGs and runs.json here (e.g. docs/results/embedded)")
    parser.add_argument("--retrain", action="store_true", help="do not reuse finished runs")
    parser.add_argument("--list", action="store_true", help="list tables and rows, then exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for table in TABLES:
            print(f"{table.key}: {table.title}")
            for row in table.rows:
                print(f"    {row.key:32s} {row.role:12s} {row.config}")
        return 0
    # --only's order is the order the runs start in (rows first, then seeds)
    order = args.only or [table.key for table in TABLES]
    selected = list(
        dict.fromkeys(
            row.key for name in order for table in TABLES for row in table.rows if name in (table.key, row.key)
        )
    )
    unknown = set(args.only or []) - {t.key for t in TABLES} - set(ROWS)
    if unknown:
        raise SystemExit(f"--only: unknown tables/rows {sorted(unknown)}; see --list")
    out_dir = Path(args.out_dir).resolve()
    study = Study(out_dir, args.jobs, reuse=not args.retrain)
    for key in selected:
        for seed in args.seeds:
            study.submit(key, seed)
    results = {}
    failures = []
    for (key, seed), future in list(study.futures.items()):
        try:
            results[(key, seed)] = future.result()
        except Exception as error:  # report every failed run, keep the others
            failures.append(f"{key} seed {seed}: {error}")
    study.pool.shutdown()
    command = "python tools/analysis/embedded_benchmarks.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(results, args.seeds, out_dir, command.strip())
    (out_dir / "tables.md").write_text(text)
    runs = {
        f"{key}/seed_{seed}": {
            "config": ROWS[key].config,
            "command": r["record"].command,
            "digest": r["record"].digest,
            "evaluations": r["record"].evaluations,
            "wall_time_s": r["record"].wall_time_s,
            "host": r["record"].host,
            **{k: v for k, v in r.items() if k in ("polarity", "quality")},
        }
        for (key, seed), r in sorted(results.items())
    }
    (out_dir / "runs.json").write_text(json.dumps(runs, indent=1))
    if args.docs:
        docs = Path(args.docs)
        docs.mkdir(parents=True, exist_ok=True)
        for path in [out_dir / "tables.md", out_dir / "runs.json", *out_dir.glob("*.png")]:
            shutil.copy(path, docs / path.name)
    print(text)
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
