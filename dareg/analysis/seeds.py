"""Training one config over several seeds and summarising the result honestly.

Domain-adaptation results vary a lot between seeds (adversarial training is unstable), and the
usual "best checkpoint" is chosen on the *target* validation set, which in these benchmarks is also
the test set: selecting on it uses target labels that an unsupervised method is not supposed to
have. :func:`summarize_seeds` therefore reports, over seeds, the mean and standard deviation of

* the **last** evaluation (the final checkpoint: what the method gives without target labels),
* the evaluation **chosen by each unsupervised validator** (``validator/<name>`` scores logged by
  :class:`~dareg.engine.validator_loop.ValidatorValLoop`; the highest score picks the checkpoint,
  whose target metric is reported), and
* the **best** evaluation, labelled **oracle selection** (best on target val).

The runs themselves are trained by :func:`dareg.apis.multi_seed.train_seeds`. Metrics are read back from
what mmengine's ``LocalVisBackend`` writes after every validation
(``<work_dir>/<timestamp>/vis_data/scalars.json``).
"""

from __future__ import annotations

import glob
import json
import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

#: Keys of scalars.json lines that are bookkeeping, not metrics.
NON_METRIC_KEYS = {"step", "iter", "epoch", "data_time", "time", "lr", "memory", "eta"}

#: Prefix of the unsupervised validators' scores (higher is better).
VALIDATOR_PREFIX = "validator/"


def expand_run_dirs(paths: Sequence[str]) -> list[str]:
    """Run directories: each path itself, or its ``seed_*`` sub-folders when it has some."""
    runs = []
    for path in paths:
        seeds = sorted(glob.glob(os.path.join(path, "seed_*")))
        runs += seeds or [path]
    return runs


def read_evaluations(work_dir: str, all_runs: bool = False) -> list[dict[str, Any]]:
    """The validation results logged in ``work_dir``, in order; each has ``step``.

    Args:
        work_dir: A run's work directory (mmengine writes one ``<timestamp>/vis_data/scalars.json``
            per start of the run).
        all_runs: Read every start of the run, not only the latest: a resumed run's history then
            spans its starts (a later validation of the same iteration replaces an earlier one).
            Defaults to False.

    Raises:
        FileNotFoundError: No ``scalars.json`` under the work directory.
    """
    files = sorted(glob.glob(os.path.join(work_dir, "*", "vis_data", "scalars.json")))
    if not files:
        raise FileNotFoundError(
            f"No */vis_data/scalars.json under {work_dir}: was it trained with validation (val_cfg, "
            "val_interval) and mmengine's default LocalVisBackend?"
        )
    by_step: dict[Any, dict[str, Any]] = {}
    for path in files if all_runs else files[-1:]:
        for evaluation in _evaluations_in(path):
            by_step.pop(evaluation["step"], None)  # re-inserted last: the latest validation of a step wins
            by_step[evaluation["step"]] = evaluation
    return list(by_step.values())


def _evaluations_in(path: str) -> list[dict[str, Any]]:
    evaluations = []
    last_train_iter = None
    with open(path) as handle:
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
    """``metric``, or the only metric logged (validator scores aside); fails listing the candidates otherwise."""
    keys = sorted({k for e in evaluations for k in e if k != "step"})
    if metric is not None:
        if metric not in keys:
            raise KeyError(f"Metric {metric!r} was not logged; logged metrics: {keys}")
        return metric
    candidates = [k for k in keys if not k.startswith(VALIDATOR_PREFIX)]
    if len(candidates) == 1:
        return candidates[0]
    if "accuracy" in candidates:
        return "accuracy"
    for preferred in ("mIoU", "accuracy/top1"):
        if preferred in candidates:  # e.g. the selected network's mIoU beside student/mIoU, teacher/mIoU
            return preferred
        matches = [k for k in candidates if k.endswith(preferred)]
        if len(matches) == 1:
            return matches[0]
    raise KeyError(f"Several metrics were logged, choose one with --metric: {keys}")


def select_by_validator(evaluations: list[dict[str, Any]], validator: str, metric: str) -> tuple[float, int] | None:
    """``(metric, step)`` of the evaluation with the highest finite ``validator`` score (earliest on ties).

    None when no evaluation has both a finite score and the metric.
    """
    scored = [
        (float(e[validator]), -index, float(e[metric]), int(e.get("step") or index))
        for index, e in enumerate(evaluations)
        if validator in e and metric in e and math.isfinite(float(e[validator]))
    ]
    if not scored:
        return None
    _, _, value, step = max(scored)
    return value, step


@dataclass
class SeedResult:
    """One seed's last, validator-chosen and best (oracle) evaluation of the metric.

    ``by_validator`` maps each logged validator (``validator/IM`` ...) to the metric and step of the
    evaluation it scored highest.
    """

    seed: int | str
    work_dir: str
    last: float
    last_step: int
    best: float
    best_step: int
    evaluations: int
    by_validator: dict[str, tuple[float, int]] = field(default_factory=dict)


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

    @property
    def validators(self) -> list[str]:
        """Validators that chose a checkpoint in every seed, in name order."""
        names = set.intersection(*(set(s.by_validator) for s in self.seeds)) if self.seeds else set()
        return sorted(names)

    def selected(self, validator: str) -> tuple[float, float]:
        """(mean, std) over seeds of the metric at the checkpoint ``validator`` chose."""
        return self._mean_std([s.by_validator[validator][0] for s in self.seeds])

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "num_seeds": len(self.seeds),
            "last_checkpoint": dict(zip(("mean", "std"), self.last)),
            "selected_by_validator": {v: dict(zip(("mean", "std"), self.selected(v))) for v in self.validators},
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
        lines.append(
            f"last checkpoint:                    {last_mean:.4f} +- {last_std:.4f} (mean +- sample std over seeds)"
        )
        for validator in self.validators:
            mean, std = self.selected(validator)
            name = f"chosen by {validator.removeprefix(VALIDATOR_PREFIX)}:"
            steps = ", ".join(str(s.by_validator[validator][1]) for s in self.seeds)
            lines.append(f"{name:<35} {mean:.4f} +- {std:.4f} (iterations {steps})")
        lines += [
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
        validators = sorted({k for e in evaluations for k in e if k.startswith(VALIDATOR_PREFIX)})
        chosen = {v: c for v in validators if (c := select_by_validator(evaluations, v, key)) is not None}
        summary.seeds.append(
            SeedResult(seed, work_dir, scored[-1][0], scored[-1][1], best[0], best[1], len(scored), chosen)
        )
    if summary is None:
        raise ValueError("summarize_seeds needs at least one work directory")
    return summary
