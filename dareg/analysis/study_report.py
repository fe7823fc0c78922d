"""The report of a results study: markdown tables, bar plots with every seed, learning curves.

Each results table reports the last checkpoint of every run, mean ± sample std over seeds, the gain
over source-only and the gap closed (:mod:`dareg.analysis.tables`); the translation table reports
label preservation and target-likeness (:mod:`dareg.analysis.translation_quality`).
"""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path

from dareg.analysis.study import Table
from dareg.analysis.tables import MethodResult, format_table, mean_std


def table_rows(table: Table, results: dict[tuple[str, int], dict], seeds: Sequence[int]) -> list[MethodResult]:
    """The rows of a results table: each row's last-checkpoint metric per seed (and its polarity split)."""
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
    """The translation table: label preservation, target-likeness and their reference points."""
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
    """Bars of the methods with the seeds as dots; source-only and oracle as dashed lines."""
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
    if references:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_plot(table: Table, results: dict, seeds: Sequence[int], path: Path) -> bool:
    """Every validation of the rows marked ``curve``, one line per seed; False when there are none."""
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


def report(
    tables: Sequence[Table],
    results: dict,
    seeds: Sequence[int],
    out_dir: Path,
    command: str,
    recorded: Sequence[str] = (),
) -> str:
    """The markdown of every table that has results (plots written to ``out_dir``).

    ``recorded`` names the runs (``<row>/seed_<n>``) reported from earlier records rather than run by
    ``command``; the header says so, since their commands and environments are only in ``runs.json``.
    """
    lines = [
        "<!-- generated by tools/analysis/embedded_benchmarks.py: do not edit by hand -->",
        "",
        f"Command: `{command}`. Seeds: {', '.join(map(str, seeds))}. Every number is the **last** checkpoint of its "
        "run (no selection on target labels); mean ± sample std over seeds; gain and gap closed are computed per "
        "seed against the source-only and oracle runs of the same seed. Host: "
        f"{platform.node()}, {os.cpu_count()} CPUs, one thread per run, {platform.python_version()}.",
        "",
    ]
    if recorded:
        rows = sorted({name.split("/")[0] for name in recorded})
        lines += [
            f"{len(recorded)} runs of {len(rows)} rows were not rerun by this command: their numbers are read "
            "from their records in `runs.json`, each with the command, package versions, thread count and data "
            "fingerprints that made it.",
            "",
        ]
    for table in tables:
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
