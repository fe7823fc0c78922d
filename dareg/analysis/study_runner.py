"""Running a results study: every (row, seed) trained after the runs it depends on, then measured.

:func:`run_study` trains every selected (row, seed) of a study (:mod:`dareg.analysis.study`) through
``tools/train.py`` (:mod:`dareg.analysis.runs`: finished runs are reused while their resolved config is
unchanged, interrupted ones resume), a few at a time, each after the runs it depends on (a checkpoint,
a translated data set, an oracle); then it measures what a row asks for (the digit-polarity split,
translation quality), writes the report (:mod:`dareg.analysis.study_report`) and ``runs.json``, so
every number can be traced to its run.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dareg.analysis.reproduce import load_runs
from dareg.analysis.runs import RunRecord, last_checkpoint, run_training
from dareg.analysis.study import Row, Table, rows_by_key, select_rows
from dareg.analysis.study_report import report

#: The file :func:`save_analysis` writes beside a run's checkpoints.
ANALYSIS_RECORD = "analysis.json"
#: Post-training measurements a result may carry into ``runs.json`` beside its record.
MEASUREMENTS = ("polarity", "quality")


class Study:
    """Runs (row, seed) jobs with their dependencies on a thread pool; each training is a subprocess.

    Args:
        rows: The rows by key.
        out_dir: Parent of the work directories ``<out_dir>/<row>/seed_<seed>``.
        jobs: Trainings at a time, one CPU thread each.
        reuse: Reuse finished runs whose resolved config is unchanged; False retrains.
        root: Repository root: configs are relative to it, and ``tools/`` is run from it.
    """

    def __init__(self, rows: dict[str, Row], out_dir: Path, jobs: int, reuse: bool, root: Path) -> None:
        self.rows, self.out_dir, self.reuse, self.root = rows, out_dir, reuse, root
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
        for reference in self.rows[key].depends.values():
            self.submit(reference.split(":", 1)[1], seed)
        if self.rows[key].quality:
            self.submit(self.rows[key].quality, seed)
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
        row = self.rows[key]
        work_dir = self.work_dir(key, seed)
        options = self._resolve(row, seed)
        record = run_training(row.config, work_dir, options, reuse=self.reuse, root=self.root)
        result: dict[str, Any] = {"record": record, "work_dir": str(work_dir)}
        if row.translate:
            translate_source(row.config, work_dir, self.root)
        analysis = load_analysis(work_dir, record)
        if row.polarity and "polarity" not in analysis:
            from dareg.analysis.classifiers import polarity_breakdown
            from dareg.utils.config import load_config

            cfg = load_config(str(self.root / row.config), options)
            analysis["polarity"] = polarity_breakdown(cfg, last_checkpoint(work_dir), cfg.val_dataloader.dataset)
        if row.quality and "quality" not in analysis:
            from dareg.analysis.translation_quality import measure_translation

            self.futures[(row.quality, seed)].result()
            oracle = (str(self.root / self.rows[row.quality].config), last_checkpoint(self.work_dir(row.quality, seed)))
            config = str(self.root / row.config)
            analysis["quality"] = measure_translation(config, last_checkpoint(work_dir), *oracle, seed, options)
        save_analysis(work_dir, record, analysis)
        result.update(analysis)
        final = record.final(row.metric) if record.evaluations else math.nan
        print(f"[{key} seed {seed}] {row.metric}={final:.2f} ({record.wall_time_s:.0f} s)", flush=True)
        return result


def load_analysis(work_dir: Path, record: RunRecord) -> dict[str, Any]:
    """Post-training measurements of this exact run (same config digest), if already made."""
    path = work_dir / ANALYSIS_RECORD
    if path.is_file():
        cached = json.loads(path.read_text())
        if cached.get("digest") == record.digest:
            return cached["analysis"]
    return {}


def save_analysis(work_dir: Path, record: RunRecord, analysis: dict[str, Any]) -> None:
    """Keep the post-training measurements of a run, under its config digest."""
    (work_dir / ANALYSIS_RECORD).write_text(json.dumps({"digest": record.digest, "analysis": analysis}, indent=1))


def translate_source(config: str, work_dir: Path, root: Path) -> None:
    """Translate the source training set with the run's trained generator into ``work_dir/translated``."""
    done = work_dir / "translated" / ".complete"
    if done.is_file() and done.read_text() == last_checkpoint(work_dir):
        return
    shutil.rmtree(work_dir / "translated", ignore_errors=True)
    command = [sys.executable, "tools/translate.py", config, last_checkpoint(work_dir)]
    command += ["--dataset", "train_dataloader.dataset.source", "--out", str(work_dir / "translated")]
    command += ["--batch-size", "64", "--no-progress"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with open(work_dir / "translate.log", "w") as log:
        subprocess.run(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    done.write_text(last_checkpoint(work_dir))


def run_study(
    tables: Sequence[Table],
    seeds: Sequence[int],
    out_dir: str | Path,
    root: str | Path,
    jobs: int = 2,
    only: Sequence[str] | None = None,
    docs: str | Path | None = None,
    reuse: bool = True,
    command: str = "",
) -> tuple[str, list[str]]:
    """Train and measure the selected rows for every seed; write ``tables.md``, the plots and ``runs.json``.

    Args:
        tables: The study's tables.
        seeds: Training seeds (``randomness.seed``).
        out_dir: Where the runs, the report and ``runs.json`` go.
        root: Repository root (configs are relative to it).
        jobs: Trainings at a time. Defaults to 2.
        only: Tables or rows to run (:func:`select_rows`). Defaults to None (all).
        docs: Also copy the report, the plots and ``runs.json`` here. Defaults to None.
        reuse: Reuse finished runs. Defaults to True.
        command: The command line, quoted in the report. Defaults to "".

    Returns:
        The report's text, and one line per run that failed (the others are reported).
    """
    out_dir, root = Path(out_dir).resolve(), Path(root)
    out_dir.mkdir(parents=True, exist_ok=True)
    study = Study(rows_by_key(tables), out_dir, jobs, reuse, root)
    for key in select_rows(tables, only):
        for seed in seeds:
            study.submit(key, seed)
    results, failures = {}, []
    for (key, seed), future in list(study.futures.items()):
        try:
            results[(key, seed)] = future.result()
        except Exception as error:  # report every failed run, keep the others
            failures.append(f"{key} seed {seed}: {error}")
    study.pool.shutdown()
    runs = {f"{key}/seed_{seed}": run_entry(study.rows[key], r) for (key, seed), r in sorted(results.items())}
    from_records: list[str] = []
    if docs and (Path(docs) / "runs.json").is_file():
        recorded = {name: entry for name, entry in load_runs(Path(docs) / "runs.json").items() if name not in runs}
        earlier = results_from_runs(recorded, study.rows)
        from_records = sorted(f"{key}/seed_{seed}" for key, seed in earlier if seed in seeds)
        results = {**earlier, **results}
        runs = dict(sorted({**recorded, **runs}.items()))
    text = report(tables, results, seeds, out_dir, command, recorded=from_records)
    (out_dir / "tables.md").write_text(text)
    (out_dir / "runs.json").write_text(json.dumps(runs, indent=1))
    if docs:
        Path(docs).mkdir(parents=True, exist_ok=True)
        for path in [out_dir / "tables.md", out_dir / "runs.json", *out_dir.glob("*.png")]:
            shutil.copy(path, Path(docs) / path.name)
    return text, failures


def run_entry(row: Row, result: dict[str, Any]) -> dict[str, Any]:
    """The ``runs.json`` entry of one finished (row, seed): how it ran, what it scored, its measurements."""
    record: RunRecord = result["record"]
    return {
        "config": row.config,
        "command": record.command,
        "digest": record.digest,
        "evaluations": record.evaluations,
        "wall_time_s": record.wall_time_s,
        "host": record.host,
        "environment": record.environment,
        **{k: v for k, v in result.items() if k in MEASUREMENTS},
    }


def results_from_runs(runs: dict[str, dict], rows: dict[str, Row]) -> dict[tuple[str, int], dict]:
    """Results rebuilt from ``runs.json`` entries (``<row>/seed_<n>``), for the rows a study still has.

    This is how a partial study (``only``) keeps the rows it did not run in the report it writes to
    ``docs``: their numbers come from their records, with the command and environment that made them.
    """
    results: dict[tuple[str, int], dict] = {}
    for name, entry in runs.items():
        key, _, seed = name.partition("/seed_")
        if key not in rows or not seed.isdigit():
            continue
        record = RunRecord(**{f.name: entry[f.name] for f in dataclasses.fields(RunRecord) if f.name in entry})
        results[(key, int(seed))] = {"record": record, **{k: entry[k] for k in MEASUREMENTS if k in entry}}
    return results
