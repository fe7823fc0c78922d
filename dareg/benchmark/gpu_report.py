"""The markdown report of the GPU check (:mod:`dareg.benchmark.gpu_check`)."""

from __future__ import annotations

import datetime
from typing import Any


def failures(results: dict[str, Any]) -> list[str]:
    """One line per run that failed (skipped runs are not failures)."""
    from dareg.benchmark.gpu_quick import quick_failures

    lines = quick_failures(results["quick"]) if results.get("quick") else []
    for run in results.get("training", []):
        if not run.get("passed"):
            lines.append(f"training {run['algorithm']} [{run['mode']}]")
    for run in results.get("performance", []):
        if not run.get("passed"):
            lines.append(f"eager vs compiled {run['name']} [{'amp' if run['amp'] else 'fp32'}]")
    for run in results.get("ddp", []):
        if not run.get("passed") and not run.get("skipped"):
            lines.append(f"DDP [{'compiled' if run['compiled'] else 'eager'}]")
    return lines


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e3:.1f} ms"


def _mib(value: int | None) -> str:
    return "n/a" if not value else f"{value / 2**20:.0f} MiB"


def _code_block(text: str) -> str:
    """``text`` as a fenced block inside a list item (every line indented)."""
    body = "\n".join(f"  {line}" for line in text.strip().splitlines())
    return f"\n\n  ```\n{body}\n  ```"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].replace("|", "\\|")[:160] if text else ""


def _settling(run: dict[str, Any]) -> str:
    """The optimizers that never stepped while their AMP loss scale fell (not a failure), or ''."""
    scales = (run.get("checks") or {}).get("loss_scale", {})
    names = [name for name in run.get("skipped_while_settling", []) if name in scales]
    settled = ", ".join(f"{name} {scales[name][0]:.0f} -> {scales[name][1]:.0f}" for name in names)
    return f"; no step while the loss scale settled: {settled}" if settled else ""


def _training_cell(run: dict[str, Any] | None) -> str:
    if run is None:
        return "not run"
    if run.get("error"):
        return f"**error**: {_first_line(run['error'])}"
    checks = run["checks"]
    if run["passed"]:
        return f"ok, {_ms(run['step'])}{_settling(run)}"
    problems = []
    if not checks["losses_finite"]:
        problems.append(f"non-finite {sorted(checks['nonfinite'])}")
    if run["not_stepped"]:
        problems.append(f"never stepped: {run['not_stepped']}")
    unmoved = [name for name, share in checks["moved"].items() if not share and name not in run["not_stepped"]]
    if unmoved:
        problems.append(f"weights unchanged: {unmoved}")
    return "**FAILED**: " + "; ".join(problems)


def training_section(runs: list[dict[str, Any]], modes: list[str]) -> list[str]:
    """Part 1: one row per algorithm, one cell per mode, then each run's optimizer steps (or its error)."""
    algorithms = list(dict.fromkeys(run["algorithm"] for run in runs))
    by_key = {(run["algorithm"], run["mode"]): run for run in runs}
    lines = [
        "## 1. Every algorithm trains: float32, AMP, channels-last",
        "",
        "1 warm-up (3 under AMP) + 2 timed + 1 closing iteration of each config on random in-memory batches at "
        "its input size. A run passes when every logged loss is finite, every optimizer stepped at least once and "
        "changed its weights; under float16 AMP an optimizer whose steps the loss scaler skipped while its scale "
        "fell from 65,536 is noted, not failed. The time is the median step (data preprocessing, `train_step`, hooks).",
        "",
        "| algorithm | config | " + " | ".join(modes) + " |",
        "| --- | --- | " + " | ".join("---" for _ in modes) + " |",
    ]
    for name in algorithms:
        config = next(run["config"] for run in runs if run["algorithm"] == name)
        cells = [_training_cell(by_key.get((name, mode))) for mode in modes]
        lines.append(f"| {name} | `{config}` | " + " | ".join(cells) + " |")
    details = []
    for run in runs:
        checks = run.get("checks")
        if checks:
            steps = ", ".join(
                f"{opt} {checks['steps'][opt]} steps / {100 * share:.0f}% of tensors moved"
                for opt, share in checks["moved"].items()
            )
            details.append(f"- {run['algorithm']} [{run['mode']}]: {steps}")
        elif run.get("error"):
            details.append(f"- {run['algorithm']} [{run['mode']}]: error{_code_block(run['error'])}")
    if details:
        lines += ["", "Optimizer steps and the share of each optimizer's parameter tensors that changed:", "", *details]
    return lines


def performance_section(runs: list[dict[str, Any]], dry: bool) -> list[str]:
    """Part 2: eager vs compiled step, compile time, graphs and CUDA peaks, one row per setting and precision."""
    how = "1 warm-up + 1 timed iteration, TorchDynamo's `eager` backend" if dry else "3 warm-up + 10 timed, inductor"
    lines = [
        "## 2. Step time and peak memory, eager vs compiled",
        "",
        f"Each setting trains eager, then again with every network compiled in place (`--compile`; {how}). "
        "*Compile time*: how much longer the compiled run's warm-up took than the eager run's. *Peak*: "
        "`torch.cuda.max_memory_allocated` during each run (weights, optimizer states, activations).",
        "",
        "| setting | precision | eager step | compiled step | compiled / eager | compile time | graphs (breaks) "
        "| peak eager | peak compiled |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    errors = []
    for run in runs:
        precision = ("AMP (bf16)" if dry else "AMP (fp16)") if run["amp"] else "fp32"
        if run.get("error"):
            lines.append(f"| {run['name']} | {precision} | **error** | | | | | | |")
            errors.append(f"- {run['name']} [{precision}]:{_code_block(run['error'])}")
            continue
        compiled, memory = run["compile"], run.get("memory") or {}
        verdict = "" if run["passed"] else " **checks FAILED**"
        lines.append(
            f"| {run['name']} | {precision} | {_ms(run['step']['median'])} | {_ms(compiled['step']['median'])} "
            f"| {compiled['ratio']:.2f}{verdict} | {compiled['compile_time']:.1f} s "
            f"| {compiled['graphs']} ({compiled['graph_breaks']}) | {_mib(memory.get('framework'))} "
            f"| {_mib(memory.get('compiled'))} |"
        )
    notes = [f"- {run['name']}: {note}" for run in runs for note in run.get("notes", []) if "compiled run" in note]
    return lines + (["", *notes] if notes else []) + (["", *errors] if errors else [])


def ddp_section(runs: list[dict[str, Any]]) -> list[str]:
    """Part 3: one line per two-process run."""
    lines = [
        "## 3. Distributed data parallel: 2 processes",
        "",
        "`torchrun --nproc_per_node 2` trains PixelDA for 4 iterations, one DDP per sub-network; "
        "`RankConsistencyHook` compares every weight across the ranks after each iteration.",
        "",
    ]
    for run in runs:
        kind = "compiled" if run["compiled"] else "eager"
        if run.get("skipped"):
            lines.append(f"- {kind}: skipped ({run['skipped']})")
        elif run.get("error"):
            lines.append(f"- {kind}: **error** ({run.get('placement', '')}){_code_block(run['error'])}")
        else:
            state = "ok" if run["passed"] else "**FAILED**"
            lines.append(
                f"- {kind}: {state}: {run['world_size']} ranks, {run['placement']}, backend {run['backend']}, "
                f"identical weights after every iteration, median step {_ms(run['step'])} "
                f"({run['seconds']:.0f} s with start-up)"
            )
    return lines


def format_report(results: dict[str, Any]) -> str:
    """The whole report as markdown."""
    environment = results["environment"]
    problems = failures(results)
    title = "# GPU check" + (" (dry run on the CPU: toy sizes, no CUDA)" if results["dry_run"] else "")
    lines = [
        title,
        "",
        f"Written by `tools/gpu_check.sh` on {datetime.date.today().isoformat()} in {results['seconds']:.0f} s: "
        + ("**everything passed**." if not problems else f"**{len(problems)} failed**: {', '.join(problems)}."),
        "No data set and no pretrained weights: random in-memory batches at each config's input size, "
        "randomly initialised networks.",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in environment.items()],
        f"| command | `{results['command']}` |",
        "",
    ]
    if results.get("quick"):
        lines += quick_section(results["quick"], results["dry_run"]) + [""]
    modes = list(dict.fromkeys(run["mode"] for run in results["training"]))
    if results["training"]:
        lines += training_section(results["training"], modes) + [""]
    if results["performance"]:
        lines += performance_section(results["performance"], results["dry_run"]) + [""]
    if results["ddp"]:
        lines += ddp_section(results["ddp"]) + [""]
    return "\n".join(lines)


def _outcome(run: dict[str, Any]) -> str:
    if run.get("skipped"):
        return f"skipped ({run['skipped']})"
    if run.get("error"):
        return f"**error**: {_first_line(run['error'])}"
    return "ok" if run.get("passed") else "**FAILED**"


def _errors(runs: list[dict[str, Any] | None]) -> list[str]:
    return [f"- {_first_line(run['error'])}{_code_block(run['error'])}" for run in runs if run and run.get("error")]


def quick_section(quick: dict[str, Any], dry: bool) -> list[str]:
    """The quick mode's five parts (:mod:`dareg.benchmark.gpu_quick`)."""
    lines = ["## Quick mode", "", "| part | result | numbers |", "| --- | --- | --- |"]
    for run in quick["reference"]:
        precision = ("AMP (bf16)" if dry else "AMP (fp16)") if run["mode"] == "amp" else "fp32"
        numbers = f"step {_ms(run.get('step'))}, CUDA peak {_mib(run.get('peak'))}{_settling(run)}"
        lines.append(f"| AdaptSegNet R101, reference size, {precision} | {_outcome(run)} | {numbers} |")
    val = quick["validation"]
    metrics = ", ".join(f"{k} {v:.2f}" for k, v in (val.get("metrics") or {}).items() if "mIoU" in k)
    numbers = f"{val.get('seconds', 0):.1f} s, CUDA peak {_mib(val.get('peak'))}{', ' + metrics if metrics else ''}"
    lines.append(f"| {val['name']} (2 images) | {_outcome(val)} | {numbers} |")
    resume = quick["resume"]
    size = resume.get("checkpoint_bytes")
    lines.append(
        f"| checkpoint, then `tools/train.py --resume` | {_outcome(resume)} | checkpoint {_mib(size)}, resumed at "
        f"iteration {resume.get('resumed_iter')}, runs {resume.get('first_seconds', 0):.0f} s + "
        f"{resume.get('resumed_seconds', 0):.0f} s; losses at 4: {resume.get('losses_uninterrupted')} "
        f"uninterrupted, {resume.get('losses_resumed')} resumed |"
    )
    for run in quick["ddp"]:
        where = f"{run.get('placement', '')}, backend {run.get('backend', '?')}"
        name = run.get("case", "DANN")
        lines.append(f"| {name} under 2-process DDP | {_outcome(run)} | {where}, step {_ms(run.get('step'))} |")
    workers = quick["workers"]
    pinned = "pinned memory" if workers.get("pinned") else "no pinning (no GPU)"
    lines.append(
        f"| {workers['workers']} DataLoader workers, {pinned} | {_outcome(workers)} | step {_ms(workers.get('step'))}, "
        f"waiting for data {_ms(workers.get('data'))} |"
    )
    errors = _errors([*quick["reference"], val, resume, *quick["ddp"], workers])
    return lines + (["", *errors] if errors else [])
