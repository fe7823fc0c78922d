"""The compiled side of ``tools/benchmark.py --compile``: TorchDynamo's counters and the report's ``compile`` part."""

from __future__ import annotations

from typing import Any

from dareg.benchmark.report import IterationTimes, summarize
from dareg.engine.compilation import CompileOptions


def dynamo_counts() -> tuple[int, int]:
    """Graphs TorchDynamo has compiled, and graph breaks it has met, in this process so far."""
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"]), int(sum(counters["graph_break"].values()))


def compile_summary(
    eager: IterationTimes, compiled: IterationTimes, warmup: int, iters: int, options: CompileOptions
) -> dict[str, Any]:
    """The ``compile`` part of a report: the compiled run's step times beside the eager run's.

    ``compile_time`` is the time the compiled run's warm-up iterations took beyond the eager run's
    (tracing and code generation; a lower bound when a recompilation falls into the timed
    iterations, which ``graphs_in_timed`` counts).
    """
    timed = slice(warmup, warmup + iters)
    step, step_cpu = summarize(compiled.step[timed]), summarize(compiled.step_cpu[timed])
    eager_step, eager_cpu = summarize(eager.step[timed]), summarize(eager.step_cpu[timed])
    graphs, breaks = compiled.graphs, compiled.graph_breaks
    options_entry = options.to_config()
    if callable(options_entry.get("backend")):
        options_entry["backend"] = getattr(options_entry["backend"], "__name__", repr(options_entry["backend"]))
    return dict(
        options=options_entry,
        step=step,
        step_cpu=step_cpu,
        ratio=step["median"] / eager_step["median"],
        ratio_cpu=step_cpu["median"] / eager_cpu["median"] if eager_cpu.get("median") else float("nan"),
        compile_time=sum(compiled.step[:warmup]) - sum(eager.step[:warmup]),
        warmup_times=compiled.step[:warmup],
        eager_warmup_times=eager.step[:warmup],
        graphs=graphs[-1] - graphs[0] if graphs else 0,
        graphs_in_timed=graphs[warmup + iters] - graphs[warmup] if len(graphs) > warmup + iters else 0,
        graph_breaks=breaks[-1] - breaks[0] if breaks else 0,
        checks=compiled.checks,
    )


def reset_dynamo() -> None:
    """Free TorchDynamo's caches (the compiled run's graphs), so later runs in this process start clean."""
    import torch._dynamo

    torch._dynamo.reset()
