"""Training one config over several seeds and summarising the result honestly.

Domain-adaptation results vary a lot between seeds (adversarial training is unstable), and the
usual "best checkpoint" is chosen on the *target* validation set, which in these benchmarks is also
the test set: selecting on it uses target labels that an unsupervised method is not supposed to
have. :func:`summarize_seeds` therefore reports, over seeds, the mean and standard deviation of

* the **last** evaluation (the final checkpoint: what the method gives without target labels), and
* the **best** evaluation, labelled **oracle selection** (best on target val).

Runs use the same code path as ``tools/train.py`` (:func:`train_seeds`): ``load_config`` with
``--cfg-options randomness.seed=N``, ``apply_run_options`` with a per-seed work directory
``<root>/seed_<N>``, then ``train``. Metrics are read back from what mmengine's ``LocalVisBackend``
writes after every validation (``<work_dir>/<timestamp>/vis_data/scalars.json``).
"""

from __future__ import annotations

import glob
import json
import math
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

#: Keys of scalars.json lines that are bookkeeping, not metrics.
NON_METRIC_KEYS = {"step", "iter", "epoch", "data_time", "time", "lr", "memory", "eta"}


def seed_work_dir(root: str, seed: int) -> str:
    """The work directory of one seed under ``root``."""
    return os.path.join(root, f"seed_{seed}")


def train_seeds(
    config: str,
    seeds: Sequence[int],
    root: str,
    cfg_options: dict | None = None,
    amp: bool = False,
    resume: bool = False,
) -> list[str]:
    """Train ``config`` once per seed, exactly as ``tools/train.py`` does; return the work dirs.

    Args:
        config: Config file.
        seeds: Seeds, each set as ``randomness.seed``.
        root: Parent of the per-seed work directories.
        cfg_options: Further overrides (``--cfg-options``).
        amp: Mixed precision.
        resume: Resume each seed from its latest checkpoint (finished seeds are skipped quickly).
    """
    from dareg.apis import apply_run_options, train
    from dareg.utils.config import load_config

    work_dirs = []
    for seed in seeds:
        options = dict(cfg_options or {})
        options["randomness.seed"] = int(seed)
        cfg = load_config(config, options)
        work_dir = seed_work_dir(root, seed)
        apply_run_options(cfg, config, work_dir=work_dir, amp=amp, resume="auto" if resume else None)
        # mmengine names its global MessageHub and Visualizer after the experiment, by default
        # "<config>_<timestamp to the second>": two seeds starting within a second would share them
        name = os.path.splitext(os.path.basename(config))[0]
        cfg.experiment_name = f"{name}_seed{seed}_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
        train(cfg)
        work_dirs.append(work_dir)
    return work_dirs


def read_evaluations(work_dir: str) -> list[dict[str, Any]]:
    """The validation results logged in ``work_dir`` (latest run), in order; each has ``step``.

    Raises:
        FileNotFoundError: No ``scalars.json`` under the work directory.
    """
    files = sorted(glob.glob(os.path.join(work_dir, "*", "vis_data", "scalars.json")))
    if not files:
        raise FileNotFoundError(
            f"No */vis_data/scalars.json under {work_dir}: was it trained with validation (val_cfg, "
            "val_interval) and mmengine's default LocalVisBackend?"
        )
    evaluations = []
    last_train_iter = None
    with open(files[-1]) as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            record = json.loads(line)
            if "iter" in record:  # a training line (losses, learning rates)
                last_train_iter = int(record["iter"])
                continue
            metrics = {k: v for k, v in record.items() if k not in NON_METRIC_KEYS}
            if metrics:
                # the iteration the validation followed (its own `step` is the epoch when logged by epoch)
                step = last_train_iter if last_train_iter is not None else record.get("step")
                evaluations.append({"step": step, **metrics})
    return evaluations


def pick_metric(evaluations: list[dict[str, Any]], metric: str | None) -> str:
    """``metric``, or the only metric logged; fails listing the candidates otherwise."""
    keys = sorted({k for e in evaluations for k in e if k != "step"})
    if metric is not None:
        if metric not in keys:
            raise KeyError(f"Metric {metric!r} was not logged; logged metrics: {keys}")
        return metric
    if len(keys) == 1:
        return keys[0]
    for preferred in ("mIoU", "accuracy/top1"):
        matches = [k for k in keys if k.endswith(preferred)]
        if len(matches) == 1:
            return matches[0]
    raise KeyError(f"Several metrics were logged, choose one with --metric: {keys}")


@dataclass
class SeedResult:
    """One seed's last and best (oracle) evaluation."""

    seed: int | str
    work_dir: str
    last: float
    last_step: int
    best: float
    best_step: int
    evaluations: int


@dataclass
class SeedSummary:
    """Mean and sample standard deviation over seeds of the last and best evaluations."""

    metric: str
    higher_is_better: bool
    seeds: list[SeedResult] = field(default_factory=list)

    @staticmethod
    def _mean_std(values: list[float]) -> tuple[float, float]:
        mean = statistics.fmean(values)
        return mean, statistics.stdev(values) if len(values) > 1 else math.nan

    @property
    def last(self) -> tuple[float, float]:
        """(mean, std) of the last evaluation over seeds."""
        return self._mean_std([s.last for s in self.seeds])

    @property
    def best(self) -> tuple[float, float]:
        """(mean, std) of the best evaluation over seeds (oracle selection on target val)."""
        return self._mean_std([s.best for s in self.seeds])

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "num_seeds": len(self.seeds),
            "last_checkpoint": dict(zip(("mean", "std"), self.last)),
            "best_checkpoint_oracle_selection": dict(zip(("mean", "std"), self.best)),
            "seeds": [asdict(s) for s in self.seeds],
        }

    def format(self) -> str:
        """A table per seed and the summary lines."""
        lines = [
            f"metric: {self.metric} ({'higher' if self.higher_is_better else 'lower'} is better), "
            f"{len(self.seeds)} seeds",
            f"{'seed':>6}  {'last':>10} {'(iter)':>8}  {'best*':>10} {'(iter)':>8}  work dir",
        ]
        for s in self.seeds:
            lines.append(
                f"{s.seed!s:>6}  {s.last:>10.4f} {s.last_step:>8}  {s.best:>10.4f} {s.best_step:>8}  {s.work_dir}"
            )
        (last_mean, last_std), (best_mean, best_std) = self.last, self.best
        lines += [
            f"last checkpoint:                  {last_mean:.4f} +- {last_std:.4f} (mean +- sample std over seeds)",
            f"best checkpoint (oracle selection): {best_mean:.4f} +- {best_std:.4f}",
            "* oracle selection: the best evaluation is picked on the target validation set, i.e. with target "
            "labels; report the last-checkpoint result as the method's result.",
        ]
        return "\n".join(lines)


def summarize_seeds(work_dirs: Sequence[str], metric: str | None = None, higher_is_better: bool = True) -> SeedSummary:
    """Summarise the validations logged in each work directory (one per seed)."""
    summary: SeedSummary | None = None
    for work_dir in work_dirs:
        evaluations = read_evaluations(work_dir)
        if not evaluations:
            raise ValueError(f"{work_dir} logged no validation results; set val_interval and a val_evaluator.")
        key = pick_metric(evaluations, metric if summary is None else summary.metric)
        if summary is None:
            summary = SeedSummary(metric=key, higher_is_better=higher_is_better)
        scored = [(float(e[key]), int(e.get("step") or index)) for index, e in enumerate(evaluations) if key in e]
        best = (max if higher_is_better else min)(scored, key=lambda pair: pair[0])
        name = os.path.basename(os.path.normpath(work_dir))
        seed: int | str = int(name[5:]) if name.startswith("seed_") and name[5:].isdigit() else name
        summary.seeds.append(SeedResult(seed, work_dir, scored[-1][0], scored[-1][1], best[0], best[1], len(scored)))
    if summary is None:
        raise ValueError("summarize_seeds needs at least one work directory")
    return summary
