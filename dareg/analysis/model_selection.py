"""How well unsupervised validators choose checkpoints: rank correlation and accuracy lost.

Given the validations of finished runs (one work directory per seed, each holding several
evaluations that logged the target metric and ``validator/<name>`` scores), this module measures,
per validator:

* the **rank correlation** (Spearman) between the validator's score and the target metric across
  the checkpoints of one run, averaged over runs (mean +- sample std), and pooled over the
  checkpoints of every run;
* the **accuracy lost** against the oracle choice: the metric of the best checkpoint (chosen with
  target labels) minus the metric of the checkpoint the validator scores highest, per run, averaged.

The last checkpoint is reported beside them as the label-free baseline every validator must beat.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dareg.analysis.seeds import VALIDATOR_PREFIX, select_by_validator

Evaluations = list[dict[str, Any]]


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties); NaN when either side is constant."""
    from scipy.stats import spearmanr

    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return math.nan
    return float(spearmanr(x, y).statistic)


def _mean_std(values: list[float]) -> tuple[float, float]:
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return math.nan, math.nan
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else math.nan


@dataclass
class SelectionRow:
    """One way of choosing a checkpoint, measured over runs."""

    name: str
    chosen: tuple[float, float]
    lost: tuple[float, float]
    rank_correlation: tuple[float, float] = (math.nan, math.nan)
    pooled_rank_correlation: float = math.nan


@dataclass
class SelectionStudy:
    """Rows for the last checkpoint, each validator and the oracle, over ``num_runs`` runs."""

    metric: str
    num_runs: int
    checkpoints_per_run: list[int]
    rows: list[SelectionRow]

    def markdown(self) -> str:
        """A markdown table (mean +- sample std over runs)."""

        def pm(pair: tuple[float, float], digits: int = 2) -> str:
            mean, std = pair
            if not math.isfinite(mean):
                return "-"
            return f"{mean:.{digits}f} ± {std:.{digits}f}" if math.isfinite(std) else f"{mean:.{digits}f}"

        lines = [
            f"| selection | {self.metric} of the chosen checkpoint | lost vs oracle | "
            "rank corr. per run | rank corr. pooled |",
            "|---|---|---|---|---|",
        ]
        for row in self.rows:
            pooled = f"{row.pooled_rank_correlation:.2f}" if math.isfinite(row.pooled_rank_correlation) else "-"
            lines.append(f"| {row.name} | {pm(row.chosen)} | {pm(row.lost)} | {pm(row.rank_correlation)} | {pooled} |")
        return "\n".join(lines)


def study_selection(runs: Mapping[str, Evaluations], metric: str) -> SelectionStudy:
    """Measure every validator logged in all ``runs`` (name -> evaluations) against ``metric``.

    Raises:
        ValueError: No run, or a run without any evaluation of ``metric``.
    """
    if not runs:
        raise ValueError("study_selection needs at least one run")
    per_run = {}
    for name, evaluations in runs.items():
        usable = [e for e in evaluations if metric in e and math.isfinite(float(e[metric]))]
        if not usable:
            raise ValueError(f"run {name} logged no finite {metric!r}")
        per_run[name] = usable
    validators = sorted(
        set.intersection(*({k for e in ev for k in e if k.startswith(VALIDATOR_PREFIX)} for ev in per_run.values()))
    )
    oracle = {name: max(float(e[metric]) for e in ev) for name, ev in per_run.items()}
    last = {name: float(ev[-1][metric]) for name, ev in per_run.items()}
    rows = [
        SelectionRow(
            "last checkpoint",
            _mean_std(list(last.values())),
            _mean_std([oracle[n] - last[n] for n in per_run]),
        )
    ]
    for validator in validators:
        chosen, correlations, pooled_scores, pooled_metric = {}, [], [], []
        for name, evaluations in per_run.items():
            pick = select_by_validator(evaluations, validator, metric)
            if pick is not None:
                chosen[name] = pick[0]
            pairs = [
                (float(e[validator]), float(e[metric]))
                for e in evaluations
                if validator in e and math.isfinite(float(e[validator]))
            ]
            correlations.append(spearman([p[0] for p in pairs], [p[1] for p in pairs]))
            pooled_scores += [p[0] for p in pairs]
            pooled_metric += [p[1] for p in pairs]
        rows.append(
            SelectionRow(
                f"{validator.removeprefix(VALIDATOR_PREFIX)} (max)",
                _mean_std(list(chosen.values())),
                _mean_std([oracle[n] - chosen[n] for n in chosen]),
                _mean_std(correlations),
                spearman(pooled_scores, pooled_metric),
            )
        )
    rows.append(SelectionRow("oracle (target labels)", _mean_std(list(oracle.values())), (0.0, 0.0)))
    return SelectionStudy(metric, len(per_run), [len(ev) for ev in per_run.values()], rows)
