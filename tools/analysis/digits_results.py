"""Source-only vs. ADDA vs. PixelDA on the embedded digit pair, over several seeds: table and plot.

    python tools/analysis/digits_results.py --out-dir work_dirs/digits_results [--seeds 0 1 2] [--jobs 3]

Each (method, seed) run trains a demo config exactly as ``tools/train.py`` does (``load_config``,
``apply_run_options``, ``train``) with ``randomness.seed`` set, in its own process (``--jobs`` of
them at a time, one CPU thread each), and reports the target test accuracy of the **last**
iteration (no checkpoint selection on target labels). The script writes ``results.json`` (every run,
with its validation history), ``results.md`` (mean ± sample std over seeds; each adapted method's
gain over its source-only baseline, whether it exceeds the larger of the two spreads, and the
mean ± std of the per-seed differences) and ``results.png`` (bar plot with the seeds as dots).

ADDA is compared with the source-only LeNet on 28x28 grey digits (identical to ADDA's pre-training
phase for the same seed) and PixelDA with its task classifier (a LeNet on 32x32 colour digits in
the demo) trained on source images alone: each baseline has the adapted method's network, input,
optimiser and source-training budget.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: (name, config, baseline name or None)
METHODS: list[tuple[str, str, str | None]] = [
    ("Source-only (LeNet, 28x28 grey)", "configs/demo/source_only_digits.py", None),
    ("ADDA", "configs/demo/adda_digits.py", "Source-only (LeNet, 28x28 grey)"),
    ("Source-only (LeNet, 32x32 colour)", "configs/demo/source_only_digits_rgb32.py", None),
    ("PixelDA", "configs/demo/pixelda_digits.py", "Source-only (LeNet, 32x32 colour)"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default="work_dirs/digits_results", help="where runs, table and plot go")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (each uses one CPU thread)")
    parser.add_argument("--methods", nargs="+", help="subset of method names to run (default: all)")
    parser.add_argument("--cfg-options", nargs="+", default=[], help="KEY=VALUE overrides applied to every run")
    parser.add_argument(
        "--reuse", action="store_true", help="keep finished runs whose resolved config is unchanged (else retrain)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue runs from the last checkpoint in their work directory, e.g. after lengthening a schedule "
        "(not bit-identical to a run from scratch when validation ran at the checkpoint's iteration: that "
        "validation pass draws from the global RNG after the checkpoint was written)",
    )
    parser.add_argument("--run-one", nargs=3, metavar=("CONFIG", "SEED", "WORK_DIR"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_one(config: str, seed: int, work_dir: str, cfg_options: list[str], resume: bool = False) -> dict:
    """Train ``config`` with ``seed`` as tools/train.py does; return the validation history."""
    import torch
    from mmengine.config import DictAction

    from dareg.apis import apply_run_options, train
    from dareg.utils.config import load_config

    torch.set_num_threads(1)
    options = {"randomness.seed": seed}
    if cfg_options:
        parser = argparse.ArgumentParser()
        parser.add_argument("--o", nargs="+", action=DictAction)
        options.update(parser.parse_args(["--o", *cfg_options]).o)
    cfg = load_config(config, options)
    apply_run_options(cfg, config, work_dir=work_dir, resume="auto" if resume else None)
    cfg.log_level = "WARNING"
    runner = train(cfg)
    values, _counts = runner.message_hub.get_scalar("val/accuracy").data
    return {
        "final_accuracy": float(values[-1]),
        "history": [float(v) for v in values],
        "iters": runner.iter,
        "config_digest": config_digest(config, seed, cfg_options),
    }


def config_digest(config: str, seed: int, cfg_options: list[str]) -> str:
    """A digest of the resolved config of one run (to tell whether a finished run is still valid)."""
    from dareg.utils.config import load_config

    text = load_config(str(ROOT / config)).pretty_text + f"\nseed={seed}\noptions={cfg_options}"
    return hashlib.sha256(text.encode()).hexdigest()


def launch(
    config: str, seed: int, work_dir: Path, cfg_options: list[str], reuse: bool = False, resume: bool = False
) -> dict:
    """Run one training in a child process (one CPU thread) and read its result file."""
    result_file = work_dir / "result.json"
    if reuse and result_file.is_file():
        result = json.loads(result_file.read_text())
        if result.get("config_digest") == config_digest(config, seed, cfg_options):
            return result
    work_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, __file__, "--run-one", config, str(seed), str(work_dir)]
    if resume and (work_dir / "last_checkpoint").is_file():
        command.append("--resume")
    if cfg_options:
        command += ["--cfg-options", *cfg_options]
    with open(work_dir / "stdout.log", "w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    return json.loads((work_dir / "result.json").read_text())


def polarity_breakdown(config: str, work_dir: Path) -> dict:
    """Target test accuracy of the run's last checkpoint, split by digit polarity.

    The embedded target domain (like MNIST-M) difference-blends the digit over a photo, so a digit is
    bright on a dark background and dark on a bright one; every source digit is bright on black. A
    target image counts as "dark digit" when its border (background) is brighter than mid-grey.
    """
    import torch

    import dareg.engine  # noqa: F401  (checkpoint globals for weights_only loading)
    from dareg.registry import DATASETS, MODELS
    from dareg.utils.config import load_config

    cfg = load_config(str(ROOT / config))
    model = MODELS.build(cfg.model)
    checkpoint_path = (work_dir / "last_checkpoint").read_text().strip()
    checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    samples = [dataset[index] for index in range(len(dataset))]
    images = torch.stack([sample["inputs"] for sample in samples])
    labels = torch.stack([sample["data_samples"]["gt_label"] for sample in samples])
    border = torch.cat([images[:, :, :3].flatten(1), images[:, :, -3:].flatten(1)], dim=1).float().mean(1)
    dark_digit = border > 127.5
    with torch.no_grad():
        batch = model.data_preprocessor({"inputs": images, "data_samples": {"gt_label": labels}})
        predictions = model.predict(batch["inputs"], batch["data_samples"])
    correct = torch.tensor([p["pred_label"] == p["gt_label"] for p in predictions])
    return {
        "bright_digit_accuracy": 100.0 * float(correct[~dark_digit].float().mean()),
        "dark_digit_accuracy": 100.0 * float(correct[dark_digit].float().mean()),
        "num_bright_digit": int((~dark_digit).sum()),
        "num_dark_digit": int(dark_digit.sum()),
    }


def summarise(results: dict[str, list[dict]]) -> dict[str, dict]:
    summary = {}
    for name, _config, baseline in METHODS:
        if name not in results:
            continue
        accs = [run["final_accuracy"] for run in results[name]]
        entry = {"mean": statistics.mean(accs), "std": statistics.stdev(accs) if len(accs) > 1 else 0.0, "runs": accs}
        for key in ("bright_digit_accuracy", "dark_digit_accuracy"):
            if all(key in run.get("polarity", {}) for run in results[name]):
                entry[key] = statistics.mean(run["polarity"][key] for run in results[name])
        if baseline in summary:
            base = summary[baseline]
            entry["gain"] = entry["mean"] - base["mean"]
            entry["spread"] = max(entry["std"], base["std"])
            # per seed: the adapted run minus the baseline run with the same seed
            base_by_seed = {run["seed"]: run["final_accuracy"] for run in results[baseline]}
            diffs = [run["final_accuracy"] - base_by_seed[run["seed"]] for run in results[name]]
            entry["paired_gain"] = statistics.mean(diffs)
            entry["paired_std"] = statistics.stdev(diffs) if len(diffs) > 1 else 0.0
        summary[name] = entry
    return summary


def markdown_table(summary: dict[str, dict], seeds: list[int]) -> str:
    lines = [
        f"Target test accuracy (%) on the embedded digit pair, last iteration, mean ± sample std over seeds {seeds}.",
        "",
        "| Method | Accuracy | Per seed | Gain over its source-only | Gain > spread | Per-seed gain |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in summary.items():
        runs = ", ".join(f"{acc:.1f}" for acc in entry["runs"])
        gain = f"{entry['gain']:+.1f}" if "gain" in entry else ""
        beats = ("yes" if entry["gain"] > entry["spread"] else "no") if "gain" in entry else ""
        paired = f"{entry['paired_gain']:+.1f} ± {entry['paired_std']:.1f}" if "gain" in entry else ""
        lines.append(f"| {name} | {entry['mean']:.1f} ± {entry['std']:.1f} | {runs} | {gain} | {beats} | {paired} |")
    if any("dark_digit_accuracy" in entry for entry in summary.values()):
        lines += [
            "",
            "By digit polarity (target test split, mean over seeds): target digits are bright on a dark",
            "background or dark on a bright one (difference blend); every source digit is bright on black.",
            "",
            "| Method | Bright digit, dark background | Dark digit, bright background |",
            "|---|---|---|",
        ]
        for name, entry in summary.items():
            if "dark_digit_accuracy" in entry:
                lines.append(f"| {name} | {entry['bright_digit_accuracy']:.1f} | {entry['dark_digit_accuracy']:.1f} |")
    return "\n".join(lines) + "\n"


def bar_plot(summary: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    means = [summary[n]["mean"] for n in names]
    stds = [summary[n]["std"] for n in names]
    colours = ["#9e9e9e" if "Source-only" in n else "#1f77b4" for n in names]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(len(names)), means, yerr=stds, capsize=6, color=colours)
    for index, name in enumerate(names):
        runs = summary[name]["runs"]
        ax.scatter([index] * len(runs), runs, color="black", s=12, zorder=3)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([n.replace(" (", "\n(") for n in names], fontsize=8)
    ax.set_ylabel("target test accuracy (%)")
    ax.set_title("Embedded digits: sklearn digits -> photo-blended digits")
    ax.set_ylim(0, 100)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.run_one:
        config, seed, work_dir = args.run_one
        result = run_one(config, int(seed), work_dir, args.cfg_options, args.resume)
        Path(work_dir, "result.json").write_text(json.dumps(result))
        return
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    methods = [m for m in METHODS if not args.methods or m[0] in args.methods]
    jobs = [(name, config, seed) for name, config, _ in methods for seed in args.seeds]

    def work(job):
        name, config, seed = job
        slug = Path(config).stem
        work_dir = out_dir / slug / f"seed_{seed}"
        result = launch(config, seed, work_dir, args.cfg_options, args.reuse, args.resume)
        if not args.cfg_options:  # the breakdown rebuilds the model from the config file as it is
            result["polarity"] = polarity_breakdown(config, work_dir)
        print(f"{name} seed {seed}: {result['final_accuracy']:.2f} (history {result['history']})", flush=True)
        return name, seed, result

    results: dict[str, list[dict]] = {}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, seed, result in pool.map(work, jobs):
            results.setdefault(name, []).append(dict(result, seed=seed))
    summary = summarise(results)
    (out_dir / "results.json").write_text(json.dumps({"summary": summary, "runs": results}, indent=2))
    table = markdown_table(summary, args.seeds)
    (out_dir / "results.md").write_text(table)
    bar_plot(summary, out_dir / "results.png")
    print(table)


if __name__ == "__main__":
    main()
