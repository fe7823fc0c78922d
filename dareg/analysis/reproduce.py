"""Rerun recorded results and compare them with their records: the reproduction check of the tables.

Every published number of the embedded benchmarks is traced to its run in ``runs.json`` (command,
config, validation history, environment). :func:`reproduce` reruns chosen records with the exact
recorded ``--cfg-options``, in a fresh work directory, and compares the last evaluation's metric
with the recorded one; :data:`DEFAULT_RUNS` is one cheap row of every table whose metric is a
validation score, seed 0. Run it in the locked environment (``requirements/lock.txt``): the records
were made there.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmengine.config import DictAction

from dareg.analysis.runs import run_training
from dareg.utils.environment import environment_differences

#: One row of every table with a validation metric (the translation table scores translations), seed 0.
DEFAULT_RUNS: tuple[str, ...] = (
    "source_only_synth2real/seed_0",  # font-rendered -> handwritten digits
    "source_only_digits/seed_0",  # handwritten -> photo-blended digits, grey
    "source_only_digits_rgb32/seed_0",  # handwritten -> photo-blended digits, colour
    "source_only_synthetic/seed_0",  # street scenes
    "adaptseg_synthetic_hedge/seed_0",  # street scenes with hedges (the README's main job)
    "source_only_daformer_synthetic_hedge/seed_0",  # street scenes with hedges, MiT-B0 (dareg-selftrain)
)


@dataclass
class Reproduction:
    """One rerun record: what was published, what the rerun measured, and whether they agree."""

    key: str
    metric: str
    recorded: float
    measured: float
    tolerance: float
    environment_changes: list[str]

    @property
    def agrees(self) -> bool:
        """Whether the rerun is within ``tolerance`` (absolute, in the metric's points) of the record."""
        return abs(self.measured - self.recorded) <= self.tolerance


def recorded_options(command: list[str]) -> dict[str, Any]:
    """The ``--cfg-options`` of a recorded ``tools/train.py`` command, parsed as the tool parses them."""
    if "--cfg-options" not in command:
        return {}
    values = []
    for item in command[command.index("--cfg-options") + 1 :]:
        if item.startswith("--"):
            break
        values.append(item)
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return dict(parser.parse_args(["--cfg-options", *values]).cfg_options)


def final_metric(evaluations: list[dict[str, Any]]) -> str:
    """The metric a record's table reports: ``accuracy`` for classification, else ``mIoU``."""
    logged = {key for evaluation in evaluations for key in evaluation}
    for metric in ("accuracy", "mIoU"):
        if metric in logged:
            return metric
    raise KeyError(f"the record logged no accuracy or mIoU (logged: {sorted(logged)})")


def reproduce(
    records: dict[str, dict[str, Any]],
    keys: tuple[str, ...] = DEFAULT_RUNS,
    out_dir: str | Path = "work_dirs/reproduce",
    tolerance: float = 0.01,
    root: str | Path = ".",
) -> list[Reproduction]:
    """Rerun each record of ``keys`` from scratch and compare its last metric with the recorded one.

    Args:
        records: The contents of a ``runs.json`` (``"row/seed_N"`` -> record).
        keys: Which records to rerun. Defaults to :data:`DEFAULT_RUNS`.
        out_dir: Where the reruns' work directories go (a rerun never reuses an earlier one).
        tolerance: Largest absolute difference, in metric points, that counts as reproduced.
        root: Repository root (the configs are relative to it).

    Raises:
        KeyError: A key is not in the records; names the ones that are.
    """
    missing = [key for key in keys if key not in records]
    if missing:
        raise KeyError(f"no record named {missing}; recorded: {sorted(records)}")
    results = []
    for key in keys:
        entry = records[key]
        options = recorded_options(entry["command"])
        record = run_training(entry["config"], Path(out_dir) / key, options, reuse=False, root=root)
        metric = final_metric(entry["evaluations"])
        recorded = float([e[metric] for e in entry["evaluations"] if metric in e][-1])
        changes = environment_differences(entry["environment"], record.environment) if entry.get("environment") else [
            "the record predates environment records"
        ]
        results.append(Reproduction(key, metric, recorded, record.final(metric), tolerance, changes))
    return results


def format_reproductions(results: list[Reproduction]) -> str:
    """A Markdown table of the reruns: record, rerun, difference, verdict, what differs in the environment."""
    lines = [
        "| run | metric | recorded | rerun | difference | reproduced | environment vs record |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.key} | {r.metric} | {r.recorded:.2f} | {r.measured:.2f} | {r.measured - r.recorded:+.2f} | "
            f"{'yes' if r.agrees else 'NO'} | {'; '.join(r.environment_changes) or 'same'} |"
        )
    return "\n".join(lines) + "\n"


def load_runs(path: str | Path) -> dict[str, dict[str, Any]]:
    """The records of a ``runs.json``."""
    return json.loads(Path(path).read_text())
