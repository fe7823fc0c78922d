"""Results tables with the target oracle beside source-only, and the share of the gap each method closes.

A domain-adaptation number means little on its own: 60% on a target domain is a large gain when a
source-only model reaches 48% and a model trained with target labels (the *oracle*) 97%, and a small
one when the oracle reaches 62%. Every dareg results table therefore shows, per method,

* the target metric over seeds (mean ± sample standard deviation),
* the gain over source-only, and
* the **gap closed**, ``(method - source_only) / (oracle - source_only)``: 0 for no gain, 1 for
  reaching the oracle (Tzeng et al. 2017 and later papers report "% of the gap"), computed per seed
  (the method, source-only and oracle runs that share a seed) so that its spread over seeds is shown.

Numbers are always those of the **last** checkpoint of each run: selecting a checkpoint on the
target test labels is oracle selection, and :func:`format_table` says so where a best value is shown.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def gap_closed(method: float, source_only: float, oracle: float) -> float:
    """Share of the source-only -> oracle gap that ``method`` closes; NaN when there is no gap.

    Examples:
        >>> gap_closed(60.0, 50.0, 90.0)
        0.25
        >>> gap_closed(45.0, 50.0, 90.0)
        -0.125
    """
    gap = oracle - source_only
    if gap <= 0 or not all(math.isfinite(v) for v in (method, source_only, oracle)):
        return math.nan
    return (method - source_only) / gap


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (NaN std for a single value; NaN values are skipped).

    Examples:
        >>> mean_std([1.0, 2.0, 3.0])
        (2.0, 1.0)
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    if not finite:
        return math.nan, math.nan
    return statistics.fmean(finite), statistics.stdev(finite) if len(finite) > 1 else math.nan


@dataclass
class MethodResult:
    """One row of a results table: a method's final target metric per seed.

    Args:
        name: Row label.
        per_seed: ``{seed: final metric}`` of the last checkpoint of each run.
        role: ``"source_only"``, ``"oracle"``, ``"method"`` or ``"ablation"``.
        note: Free text shown in the table (config, what differs).
        extra: Further per-row columns, ``{column: text}``.
    """

    name: str
    per_seed: dict[int, float]
    role: str = "method"
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def stats(self) -> tuple[float, float]:
        return mean_std(list(self.per_seed.values()))


@dataclass
class RowSummary:
    """What a table shows for one row (see :func:`summarize_rows`)."""

    name: str
    role: str
    mean: float
    std: float
    per_seed: dict[int, float]
    gain: float = math.nan
    gain_std: float = math.nan
    gap_closed: float = math.nan
    gap_closed_std: float = math.nan
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _paired(values: Mapping[int, float], reference: Mapping[int, float]) -> list[int]:
    return sorted(set(values) & set(reference))


def summarize_rows(rows: Sequence[MethodResult]) -> list[RowSummary]:
    """Mean, spread, gain over source-only and gap closed of every row.

    The table's source-only and oracle rows are the rows with those roles (at most one each). Gains
    and gaps closed are computed per seed on the seeds a row shares with them, then averaged; with no
    shared seed, from the means.

    Raises:
        ValueError: Several rows claim the source-only or the oracle role.
    """
    baselines = {}
    for role in ("source_only", "oracle"):
        matches = [row for row in rows if row.role == role]
        if len(matches) > 1:
            raise ValueError(f"summarize_rows: {len(matches)} rows have role {role!r}: {[r.name for r in matches]}")
        baselines[role] = matches[0] if matches else None
    source_only, oracle = baselines["source_only"], baselines["oracle"]
    summaries = []
    for row in rows:
        mean, std = row.stats
        summary = RowSummary(row.name, row.role, mean, std, dict(row.per_seed), note=row.note, extra=dict(row.extra))
        if source_only is not None and row.role not in ("source_only",):
            seeds = _paired(row.per_seed, source_only.per_seed)
            if seeds:
                summary.gain, summary.gain_std = mean_std([row.per_seed[s] - source_only.per_seed[s] for s in seeds])
            else:
                summary.gain = mean - source_only.stats[0]
            if oracle is not None and row.role != "oracle":
                seeds = [s for s in seeds if s in oracle.per_seed]
                if seeds:
                    closed = [gap_closed(row.per_seed[s], source_only.per_seed[s], oracle.per_seed[s]) for s in seeds]
                    summary.gap_closed, summary.gap_closed_std = mean_std(closed)
                else:
                    summary.gap_closed = gap_closed(mean, source_only.stats[0], oracle.stats[0])
        summaries.append(summary)
    return summaries


def _pm(mean: float, std: float, scale: float = 1.0, digits: int = 1, signed: bool = False) -> str:
    if not math.isfinite(mean):
        return ""
    text = f"{mean * scale:+.{digits}f}" if signed else f"{mean * scale:.{digits}f}"
    return text + (f" ± {std * scale:.{digits}f}" if math.isfinite(std) else "")


def format_table(rows: Sequence[MethodResult], metric: str = "accuracy (%)") -> str:
    """A markdown table: metric (mean ± std, per seed), gain over source-only, gap closed (%).

    Examples:
        >>> rows = [MethodResult("Source-only", {0: 50.0, 1: 52.0}, "source_only"),
        ...         MethodResult("Oracle", {0: 90.0, 1: 92.0}, "oracle"),
        ...         MethodResult("ADDA", {0: 60.0, 1: 66.0})]
        >>> print(format_table(rows).splitlines()[-1])
        | ADDA | 63.0 ± 4.2 | 60.0, 66.0 | +12.0 ± 2.8 | 30.0 ± 7.1 |  |
    """
    summaries = summarize_rows(rows)
    extra_columns = sorted({key for s in summaries for key in s.extra})
    header = ["Method", f"Target {metric}", "Per seed", "Gain over source-only", "Gap closed (%)", "Notes"]
    header[-1:-1] = extra_columns
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in summaries:
        per_seed = ", ".join(f"{s.per_seed[seed]:.1f}" for seed in sorted(s.per_seed))
        cells = [
            f"**{s.name}**" if s.role in ("source_only", "oracle") else s.name,
            _pm(s.mean, s.std),
            per_seed,
            _pm(s.gain, s.gain_std, signed=True),
            _pm(s.gap_closed, s.gap_closed_std, scale=100.0),
            *[s.extra.get(key, "") for key in extra_columns],
            s.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
