"""What a benchmark measured: per-pair overhead ratios with a bootstrap interval, hook costs, the report.

:func:`overhead` compares the framework's per-iteration times with the plain loop's, pair by pair
(the two ran on the same batch, one right after the other); :class:`BenchmarkReport` holds all of a
run's numbers and formats them as the table ``tools/benchmark.py`` prints.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class IterationTimes:
    """Per-iteration measurements (seconds), warm-up included; ``images`` per iteration."""

    data: list[float] = field(default_factory=list)
    step: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    step_cpu: list[float] = field(default_factory=list)
    baseline_cpu: list[float] = field(default_factory=list)
    baseline_first: list[bool] = field(default_factory=list)
    hooks: dict[str, list[float]] = field(default_factory=dict)
    images: int = 0
    graphs: list[int] = field(default_factory=list)
    graph_breaks: list[int] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    cuda_peak: int = 0


def overhead(
    framework: Sequence[float], baseline: Sequence[float], baseline_first: Sequence[bool] | None = None
) -> dict[str, float]:
    """Framework / baseline: statistics of the per-pair ratios, the ratio of medians and of minima.

    Also a percentile-bootstrap 95% confidence interval of the median ratio (``ci_low``,
    ``ci_high``; 2000 resamples, fixed seed) and, when ``baseline_first`` says which loop ran first
    in each pair, the median ratio of each order (``framework_first``, ``baseline_first``).
    """
    ratios = [f / b for f, b in zip(framework, baseline) if b > 0]
    result = dict(
        summarize(ratios),
        of_medians=statistics.median(framework) / statistics.median(baseline),
        of_minima=min(framework) / min(baseline),
    )
    result["ci_low"], result["ci_high"] = bootstrap_median_interval(ratios)
    if baseline_first is not None and len(baseline_first) == len(ratios):
        for name, order in (("framework_first", False), ("baseline_first", True)):
            chosen = [r for r, first in zip(ratios, baseline_first) if first == order]
            if chosen:
                result[name] = statistics.median(chosen)
    return result


def bootstrap_median_interval(
    values: Sequence[float], level: float = 0.95, resamples: int = 2000
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the median of ``values`` (seeded, reproducible)."""
    data = np.asarray(values, dtype=float)
    if data.size < 2:
        value = float(data[0]) if data.size else float("nan")
        return value, value
    rng = np.random.default_rng(0)
    medians = np.median(data[rng.integers(0, data.size, size=(resamples, data.size))], axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(medians, [tail, 100 - tail])
    return float(low), float(high)


def hook_costs(hooks: dict[str, list[float]], timed: slice) -> dict[str, float]:
    """Median seconds per iteration of each timed hook method (costliest first) and their ``total``.

    The total is the median over iterations of the summed hook time, not the sum of the medians.
    """
    series = {name: values[timed] for name, values in hooks.items() if values[timed]}
    costs = {name: statistics.median(values) for name, values in series.items()}
    costs = dict(sorted(costs.items(), key=lambda item: -item[1]))
    if series:
        length = min(len(values) for values in series.values())
        costs["total"] = statistics.median(sum(values[i] for values in series.values()) for i in range(length))
    return costs


def summarize(values: Sequence[float]) -> dict[str, float]:
    """Median, inter-quartile range, min and max."""
    if not values:
        return {}
    q1, q3 = np.percentile(values, [25, 75])
    return dict(median=statistics.median(values), iqr=float(q3 - q1), min=min(values), max=max(values))


@dataclass
class BenchmarkReport:
    """What :func:`benchmark_training` measured (times in seconds, memory in bytes)."""

    config: str
    device: str
    amp: bool
    warmup: int
    iters: int
    images_per_iter: int
    notes: list[str]
    data: dict[str, float]
    step: dict[str, float]
    step_cpu: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    baseline_cpu: dict[str, float] = field(default_factory=dict)
    overhead_ratio: dict[str, float] = field(default_factory=dict)
    overhead_ratio_cpu: dict[str, float] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    hook_costs: dict[str, float] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    compile: dict[str, Any] = field(default_factory=dict)
    memory_in_run: dict[str, Any] = field(default_factory=dict)

    def format(self) -> str:
        """A human-readable table."""

        def row(name: str, stats: dict[str, float], images: bool = True) -> str:
            if not stats:
                return ""
            rate = f"{self.images_per_iter / stats['median']:10.2f}" if images and stats["median"] > 0 else ""
            return (
                f"{name:<22}{stats['median'] * 1e3:12.2f}{stats['iqr'] * 1e3:10.2f}"
                f"{stats['min'] * 1e3:10.2f}{stats['max'] * 1e3:10.2f}{rate}\n"
            )

        lines = [
            f"config: {self.config}",
            f"device: {self.device}   amp: {'on' if self.amp else 'off'}   images/iteration: {self.images_per_iter}"
            f"   warm-up: {self.warmup}   timed: {self.iters}",
            *self.notes,
            "",
            f"{'per iteration (ms)':<22}{'median':>12}{'IQR':>10}{'min':>10}{'max':>10}{'images/s':>10}",
        ]
        text = "\n".join(lines) + "\n"
        text += row("framework step", self.step)
        text += row("  (CPU time)", self.step_cpu, images=False)
        text += row("data loading (wait)", self.data, images=False)
        if self.step and self.data:
            total = self.step["median"] + self.data["median"]
            compute, data = 100 * self.step["median"] / total, 100 * self.data["median"] / total
            text += f"{'split':<22}compute {compute:.1f}%  data {data:.1f}%\n"
        text += row("plain PyTorch step", self.baseline)
        text += row("  (CPU time)", self.baseline_cpu, images=False)
        for label, r in (("wall", self.overhead_ratio), ("CPU", self.overhead_ratio_cpu)):
            if r:
                text += (
                    f"framework / baseline ({label}): median of pairs {r['median']:.4f} "
                    f"({100 * (r['median'] - 1):+.2f}%, 95% CI {100 * (r['ci_low'] - 1):+.2f}% to "
                    f"{100 * (r['ci_high'] - 1):+.2f}%), IQR {r['iqr']:.4f}; of medians {r['of_medians']:.4f}; "
                    f"of minima {r['of_minima']:.4f}\n"
                )
                if "framework_first" in r and "baseline_first" in r:
                    text += (
                        f"{'':<22}by order: framework first {100 * (r['framework_first'] - 1):+.2f}%, "
                        f"baseline first {100 * (r['baseline_first'] - 1):+.2f}%\n"
                    )
        text += format_compile(self.compile, row)
        text += format_checks("checks", self.checks)
        if self.compile.get("checks"):
            text += format_checks("checks (compiled)", self.compile["checks"])
        if self.hook_costs:
            total = self.hook_costs["total"]
            share = f" ({100 * total / self.step['median']:.2g}% of the step)" if self.step else ""
            text += f"hooks per iteration (us): total {total * 1e6:.1f}{share}\n"
            for name, cost in self.hook_costs.items():
                if name != "total" and cost >= 1e-6:
                    text += f"  {name:<48}{cost * 1e6:10.1f}\n"
        if self.memory_in_run:
            m = self.memory_in_run
            text += f"peak memory ({m['kind']}): framework {m['framework'] / 2**20:.1f} MiB"
            text += f", compiled {m['compiled'] / 2**20:.1f} MiB\n" if "compiled" in m else "\n"
        if self.memory:
            m = self.memory
            text += f"peak memory ({m['kind']}): framework {m['framework'] / 2**20:.1f} MiB"
            if "baseline" in m:
                text += (
                    f", baseline {m['baseline'] / 2**20:.1f} MiB ({100 * (m['framework'] / m['baseline'] - 1):+.2f}%)"
                )
            if "compiled" in m:
                text += (
                    f", compiled {m['compiled'] / 2**20:.1f} MiB ({100 * (m['compiled'] / m['framework'] - 1):+.2f}% "
                    "vs eager)"
                )
            text += "\n" + format_run_memory(m)
        return text


def format_run_memory(memory: dict[str, Any]) -> str:
    """On CPU: each memory run's peak above its resident size before training (libraries excluded)."""
    starts = {which: start for which, start in (memory.get("start") or {}).items() if start}
    if not starts:
        return ""
    added = ", ".join(f"{which} {(memory[which] - start) / 2**20:.1f} MiB" for which, start in starts.items())
    return f"  added by the run (peak - resident size before training): {added}\n"


def format_compile(compiled: dict[str, Any], row: Any) -> str:
    """The compiled run's lines of the report (empty without ``--compile``)."""
    if not compiled:
        return ""
    text = row(f"compiled step ({compiled['options']['backend']})", compiled["step"])
    text += row("  (CPU time)", compiled["step_cpu"], images=False)
    return text + (
        f"compiled / eager: {compiled['ratio']:.3f} wall ({100 * (compiled['ratio'] - 1):+.1f}%), "
        f"{compiled['ratio_cpu']:.3f} CPU; compile time {compiled['compile_time']:.1f} s (warm-up beyond eager's); "
        f"{compiled['graphs']} graphs, {compiled['graph_breaks']} graph breaks\n"
    )


def format_checks(label: str, checks: dict[str, Any]) -> str:
    """One line: losses finite?, optimizer steps and the share of each optimizer's weights that moved."""
    if not checks:
        return ""
    losses = "losses finite" if checks["losses_finite"] else f"NON-FINITE losses {checks['nonfinite']}"
    moved = ", ".join(
        f"{name} {checks['steps'][name]} steps, {100 * share:.0f}% moved" for name, share in checks["moved"].items()
    )
    verdict = "ok" if checks["passed"] else "FAILED"
    return f"{label}: {verdict}: {losses}; {moved}\n"
