"""Running the trainings of a results study, and reusing the ones that are already finished.

Every run of a study is one ``tools/train.py`` command (the code path users run), in its own process
with one CPU thread, in its own work directory. A run that finished writes ``run.json`` beside its
checkpoints: the command, a digest of the fully resolved config (after ``_base_`` inheritance and the
command's ``--cfg-options``), the validation history read from mmengine's ``scalars.json``, the wall
time, the host and the environment (:func:`run_environment`: the versions of the packages that can
move a number, the thread count, the dareg commit and the fingerprint of every embedded data set the
run read). A later study reuses a finished run only when the digest of what it would run now and the
environment are unchanged (:func:`rerun_reason` says what differs), so editing one config retrains
exactly the runs that depend on it, and a library release that changes the data or the numerics
retrains every run it can move; an interrupted run resumes from its latest checkpoint (dareg's resume
is exact).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RUN_RECORD = "run.json"


#: Threads every study run uses (``OMP_NUM_THREADS``), part of its recorded environment.
RUN_THREADS = 1


@dataclass
class RunRecord:
    """What a finished run left: its command, config digest, validation history, timing and environment.

    ``environment`` is :func:`run_environment` at the time of the run (empty in records written
    before it was stored, which are therefore never reused).
    """

    command: list[str]
    digest: str
    evaluations: list[dict[str, Any]]
    wall_time_s: float
    host: str = field(default_factory=lambda: f"{platform.node()} ({os.cpu_count()} CPUs)")
    finished: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))
    environment: dict[str, Any] = field(default_factory=dict)

    def final(self, metric: str) -> float:
        """The metric of the last evaluation (the last checkpoint's result)."""
        values = [e[metric] for e in self.evaluations if metric in e]
        if not values:
            raise KeyError(
                f"metric {metric!r} was not logged; logged: {sorted({k for e in self.evaluations for k in e})}"
            )
        return float(values[-1])


def resolved_config_digest(config: str, cfg_options: dict[str, Any] | None = None) -> str:
    """sha256 of the resolved config text (``_base_`` merged, options applied)."""
    from dareg.utils.config import load_config

    text = load_config(config, dict(cfg_options or {})).pretty_text
    return hashlib.sha256(text.encode()).hexdigest()


def run_environment(
    config: str, cfg_options: dict[str, Any] | None = None, threads: int | None = RUN_THREADS
) -> dict[str, Any]:
    """What a run of ``config`` depends on besides the config: versions, threads, commit, data.

    ``threads`` is the thread count of the run (None: this process's, for runs trained in it).

    Returns:
        :func:`dareg.utils.environment.environment_record` plus ``data``: the fingerprint of every
        embedded data set the resolved config reads (:func:`dareg.datasets.fingerprints.config_fingerprints`).
    """
    from dareg.datasets.fingerprints import config_fingerprints
    from dareg.utils.config import load_config
    from dareg.utils.environment import environment_record

    environment = environment_record(threads=threads)
    environment["data"] = config_fingerprints(load_config(config, dict(cfg_options or {})))
    return environment


def rerun_reason(record: RunRecord | None, digest: str, environment: dict[str, Any]) -> str | None:
    """Why a finished run cannot be reused for a run with ``digest`` in ``environment`` (None: reuse it)."""
    from dareg.utils.environment import environment_differences

    if record is None:
        return "no finished run"
    if record.digest != digest:
        return "the resolved config changed"
    if not record.environment:
        return "the record predates environment records (no versions or data fingerprints)"
    differences = environment_differences(record.environment, environment)
    return "; ".join(differences) if differences else None


def format_option(key: str, value: Any) -> str:
    """``key=value`` as ``--cfg-options`` parses it back (tuples and lists in their literal form)."""
    if isinstance(value, str):
        return f"{key}={value}"
    if isinstance(value, (tuple, list)):
        inner = ",".join(repr(v) if isinstance(v, str) else str(v) for v in value)
        return f"{key}=({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"{key}=[{inner}]"
    return f"{key}={value!r}"


def train_command(config: str, work_dir: str, cfg_options: dict[str, Any], extra_args: Sequence[str] = ()) -> list[str]:
    """The ``tools/train.py`` command of one run."""
    command = [sys.executable, "tools/train.py", config, "--work-dir", work_dir, *extra_args]
    if cfg_options:
        command += ["--cfg-options", *(format_option(k, v) for k, v in cfg_options.items())]
    return command


def load_record(work_dir: str | Path) -> RunRecord | None:
    """The run record in ``work_dir``, or None when the run has not finished (read back :func:`save_record`)."""
    path = Path(work_dir) / RUN_RECORD
    if not path.is_file():
        return None
    return RunRecord(**json.loads(path.read_text()))


def save_record(work_dir: str | Path, record: RunRecord) -> None:
    """Write the record of a finished run into ``work_dir`` (what :func:`load_record` reads)."""
    (Path(work_dir) / RUN_RECORD).write_text(json.dumps(asdict(record), indent=1))


def run_training(
    config: str,
    work_dir: str | Path,
    cfg_options: dict[str, Any] | None = None,
    reuse: bool = True,
    root: str | Path = ".",
    extra_args: Sequence[str] = (),
) -> RunRecord:
    """Train ``config`` through ``tools/train.py`` unless an identical finished run is in ``work_dir``.

    Args:
        config: Config file, relative to ``root``.
        work_dir: The run's work directory.
        cfg_options: ``--cfg-options`` of the run (``randomness.seed`` among them).
        reuse: Reuse a finished run whose config digest matches; False retrains.
        root: Repository root (the command's working directory).
        extra_args: Further ``tools/train.py`` arguments (``--amp`` ...), part of the digest.

    Raises:
        RuntimeError: The training failed; names the log file.
    """
    from dareg.analysis.seeds import read_evaluations

    options = dict(cfg_options or {})
    work_dir = Path(work_dir)
    digest = hashlib.sha256(
        (resolved_config_digest(str(Path(root) / config), options) + repr(list(extra_args))).encode()
    ).hexdigest()
    environment = run_environment(str(Path(root) / config), options)
    record = load_record(work_dir)
    reason = rerun_reason(record, digest, environment)
    if reuse and reason is None:
        return record
    if record is not None:
        print(f"[{work_dir}] not reusing the finished run: {reason}", file=sys.stderr, flush=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / RUN_RECORD).unlink(missing_ok=True)
    resume = ["--resume"] if reuse and record is None and (work_dir / "last_checkpoint").is_file() else []
    command = train_command(config, str(work_dir), options, [*extra_args, *resume])
    env = dict(os.environ, OMP_NUM_THREADS=str(RUN_THREADS), MKL_NUM_THREADS=str(RUN_THREADS))
    start = time.time()
    with open(work_dir / "train.log", "a") as log:
        status = subprocess.run(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    if status.returncode != 0:
        raise RuntimeError(
            f"training failed (exit {status.returncode}): {' '.join(command)}; see {work_dir / 'train.log'}"
        )
    try:
        evaluations = read_evaluations(str(work_dir), all_runs=True)
    except FileNotFoundError:
        evaluations = []
    record = RunRecord(
        command=command,
        digest=digest,
        evaluations=evaluations,
        wall_time_s=time.time() - start,
        environment=environment,
    )
    save_record(work_dir, record)
    return record


def last_checkpoint(work_dir: str | Path) -> str:
    """Path of the latest checkpoint of a finished run (from its ``last_checkpoint`` file)."""
    pointer = Path(work_dir) / "last_checkpoint"
    if not pointer.is_file():
        raise FileNotFoundError(f"{work_dir} has no last_checkpoint: did the run finish and save a checkpoint?")
    path = pointer.read_text().strip()
    return path if os.path.isabs(path) else str(Path(work_dir) / os.path.basename(path))
