"""Smoke tests of tools/benchmark.py: 1+1 iterations of the toy config (with its plain baseline), and
the data-pipeline benchmark on tiny images. Benchmarks themselves are not unit tests."""

from __future__ import annotations

import json
import os

import pytest
from fixtures.tools import load_tool

TOY_PLUGIN = '''"""The toy algorithm and its hand-written loop, for the benchmark smoke test."""
import torch.nn.functional as F

import toys
from dareg.benchmark.baselines import frozen, gan_loss, register_baseline

toys.register_toys()


@register_baseline("ToyAdversarial")
def toy_baseline(model, loop):
    def step(batch):
        source, target = loop.inputs(batch["source"]), loop.inputs(batch["target"])
        labels = loop.target(batch["source"], "gt_label")
        src_logits, tgt_logits = model.classifier(source), model.classifier(target)
        with frozen(model.discriminator):
            loss = F.cross_entropy(src_logits, labels) + model.lambda_adv * gan_loss(
                model.discriminator(tgt_logits), 0.0, "vanilla")
            loop.update("classifier", loss)
        loss_d = 0.5 * (gan_loss(model.discriminator(src_logits.detach()), 0.0, "vanilla")
                        + gan_loss(model.discriminator(tgt_logits.detach()), 1.0, "vanilla"))
        loop.update("discriminator", loss_d)
    return step
'''


@pytest.fixture
def toy_config_file(tmp_path, monkeypatch, toys):
    (tmp_path / "dareg_bench_toys.py").write_text(TOY_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = toys.toy_config(tmp_path / "unused", custom_imports=dict(imports=["dareg_bench_toys"]))
    path = tmp_path / "toy_bench.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    return str(path)


def test_benchmark_runs_one_plus_one_iterations_with_baseline(toy_config_file, tmp_path, capsys):
    out = tmp_path / "report.json"
    argv = [toy_config_file, "--warmup", "1", "--iters", "1", "--baseline", "--no-memory", "--json", str(out)]
    assert load_tool("benchmark.py").main(argv) == 0
    printed = capsys.readouterr().out
    assert "framework step" in printed and "plain PyTorch step" in printed and "framework / baseline" in printed
    report = json.loads(out.read_text())
    assert report["warmup"] == 1 and report["iters"] == 1 and report["images_per_iter"] == 8  # 4 + 4
    assert report["step"]["median"] > 0 and report["baseline"]["median"] > 0 and report["data"]["median"] >= 0
    assert report["overhead_ratio"]["median"] == pytest.approx(report["step"]["median"] / report["baseline"]["median"])


def test_pairs_alternate_order_and_hooks_are_timed(toy_config_file, tmp_path, capsys):
    out = tmp_path / "report.json"
    argv = [toy_config_file, "--warmup", "1", "--iters", "4", "--baseline", "--no-memory", "--hook-costs"]
    assert load_tool("benchmark.py").main([*argv, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "by order: framework first" in printed and "hooks per iteration (us): total" in printed
    report = json.loads(out.read_text())
    ratio = report["overhead_ratio"]
    assert ratio["ci_low"] <= ratio["median"] <= ratio["ci_high"]
    assert ratio["framework_first"] > 0 and ratio["baseline_first"] > 0
    costs = report["hook_costs"]
    # the runner's hooks are timed (the benchmark's own timing hooks are not) ...
    assert "RuntimeInfoHook.before_train_iter" in costs and "IterTimerHook.after_train_iter" in costs
    assert not any(name.startswith("_Iteration") for name in costs)
    # ... and the total is at least the costliest hook, and below the whole step
    assert max(v for k, v in costs.items() if k != "total") <= costs["total"] < report["step"]["median"]


def test_baseline_runs_after_then_before_the_framework_step_in_turn(toy_config_file, tmp_path, monkeypatch):
    from mmengine.config import Config

    from dareg.benchmark import runner as benchmark

    events = []
    build_runner = benchmark.build_runner

    def recording_runner(cfg):
        runner = build_runner(cfg)
        train_step = runner.model.train_step

        def recorded(*args, **kwargs):
            events.append("framework")
            return train_step(*args, **kwargs)

        runner.model.train_step = recorded
        return runner

    monkeypatch.setattr(benchmark, "build_runner", recording_runner)
    monkeypatch.setattr(
        benchmark, "make_baseline_factory", lambda cfg, amp: lambda runner, model: lambda batch: events.append("plain")
    )
    cfg, _ = benchmark.benchmark_config(Config.fromfile(toy_config_file), 4, str(tmp_path / "work"))
    times, _ = benchmark.run_timed(cfg, warmup=0, iters=4, baseline=True, amp=False)
    assert events == ["framework", "plain", "plain", "framework"] * 2
    assert times.baseline_first == [False, True, False, True] and len(times.baseline) == len(times.step) == 4


def test_compile_trains_eager_then_compiled_and_reports_both(toy_config_file, tmp_path, capsys):
    # the config's compile key asks for the comparison, with its options (aot_eager: no C++ build in a test)
    with open(toy_config_file, "a") as config:
        config.write("compile = {'backend': 'aot_eager'}\n")
    out = tmp_path / "report.json"
    argv = [toy_config_file, "--warmup", "1", "--iters", "2", "--no-memory", "--json", str(out)]
    assert load_tool("benchmark.py").main(argv) == 0
    printed = capsys.readouterr().out
    assert "compiled step (aot_eager)" in printed and "compiled / eager:" in printed
    assert "checks: ok: losses finite; classifier 4 steps, 100% moved, discriminator 4 steps, 100% moved" in printed
    report = json.loads(out.read_text())
    compiled = report["compile"]
    assert compiled["options"]["backend"] == "aot_eager" and compiled["graphs"] >= 2  # classifier, discriminator
    assert compiled["graphs_in_timed"] == 0 and compiled["graph_breaks"] == 0
    assert compiled["ratio"] == pytest.approx(compiled["step"]["median"] / report["step"]["median"])
    assert compiled["compile_time"] == pytest.approx(
        sum(compiled["warmup_times"]) - sum(compiled["eager_warmup_times"])
    )
    assert report["checks"]["passed"] and compiled["checks"]["passed"] and compiled["checks"]["iterations"] == 4


def test_memory_run_of_the_compiled_networks(toy_config_file):
    from mmengine.config import Config

    from dareg.benchmark.runner import run_memory_child
    from dareg.engine.compilation import CompileOptions

    cfg = Config.fromfile(toy_config_file)
    options = dict(amp=False, synthetic=False, input_size=None, batch_size=None)
    with pytest.raises(ValueError, match="which='compiled' needs compile options"):
        run_memory_child(cfg, "compiled", 1, 1, **options)
    peak = run_memory_child(cfg, "compiled", 1, 1, compile=CompileOptions(backend="eager"), **options)
    assert peak["which"] == "compiled" and peak["peak"] > 0
    assert peak["times"]["graphs"][-1] > peak["times"]["graphs"][0]  # the networks went through TorchDynamo
    assert peak["times"]["checks"] == {}  # no CPU copy of the weights in a memory run


def test_overhead_statistics_by_hand():
    from dareg.benchmark.report import bootstrap_median_interval, hook_costs, overhead

    result = overhead([2.0, 3.0, 4.4, 1.0], [2.0, 2.0, 4.0, 1.0], baseline_first=[False, True, False, True])
    assert result["median"] == pytest.approx(1.05)  # ratios 1, 1.5, 1.1, 1
    assert result["framework_first"] == pytest.approx(1.05) and result["baseline_first"] == pytest.approx(1.25)
    assert result["of_minima"] == 1.0 and result["of_medians"] == pytest.approx(2.5 / 2.0)
    assert bootstrap_median_interval([1.0, 1.0, 1.0]) == (1.0, 1.0)
    low, high = bootstrap_median_interval(list(range(101)))
    assert 35 < low < 50 < high < 65  # the median's sampling spread, about 50 +- 1.96 * 1.25 * 29 / 10
    costs = hook_costs({"A.after": [9.0, 1.0, 2.0, 3.0], "B.before": [9.0, 3.0, 1.0, 3.0]}, slice(1, 4))
    assert list(costs) == ["B.before", "A.after", "total"]  # costliest first
    assert costs["total"] == 4.0  # median of the per-iteration sums 4, 3, 6


def test_synthetic_batches_follow_the_config(toy_config_file, tmp_path):
    from mmengine.config import Config

    from dareg.benchmark.synthetic import synthetic_train_dataloader

    cfg = Config.fromfile(toy_config_file)
    cfg.train_dataloader.dataset.source.pipeline = [dict(type="LoadSegMap"), dict(type="RandomCrop", size=(12, 16))]
    cfg.train_dataloader.dataset.target.pipeline = [dict(type="Resize", scale=(20, 10)), dict(type="PackInputs")]
    cfg.model.num_classes = 5
    cfg.model.data_preprocessor = dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5])
    loader, notes = synthetic_train_dataloader(cfg, batch_size=2)
    source, target = loader["dataset"]["source"], loader["dataset"]["target"]
    assert (source["image_size"], source["task"], source["channels"]) == ((12, 16), "seg", 1)
    assert (target["image_size"], target["task"], target["num_classes"]) == ((10, 20), "cls", 5)
    assert loader["batch_size"] == 2 and len(notes) == 2


def test_data_benchmark_reports_rates_and_workers_on_small_images(tmp_path, monkeypatch, capsys):
    from dareg.benchmark import data as data_benchmark

    shapes = (("GTA5", (96, 52), (64, 36), True, "png"), ("Cityscapes", (128, 64), (64, 32), False, "png"))
    monkeypatch.setattr(data_benchmark, "DATASET_SHAPES", shapes)  # the real sizes take minutes
    out = tmp_path / "data.json"
    argv = ["--data", "--images", "2", "--repeats", "1", "--step-time", "0.5", "0.01", "--json", str(out)]
    assert load_tool("benchmark.py").main([*argv, "--data-dir", str(tmp_path / "images")]) == 0
    printed = capsys.readouterr().out
    assert "PIL ref" in printed and "Data-loader workers per GPU for AdaptSegNet (1 GTA5 + 1 Cityscapes" in printed
    assert [line.split()[0] for line in printed.splitlines()[-2:]] == ["0.5", "0.01"]
    report = json.loads(out.read_text())
    assert [r["dataset"] for r in report] == ["GTA5", "Cityscapes"]
    assert len(report[1]["cpu"]["dareg"]) == len(report[1]["wall"]["pil"]) == 2


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only: ru_maxrss survives fork + exec there")
def test_memory_run_reports_its_own_peak_not_its_parents():
    import subprocess
    import sys

    import numpy as np

    from dareg.benchmark.runner import peak_memory

    held = np.ones(1_500_000_000 // 8)  # 1.5 GB, touched, held by this (parent) process
    code = "import torch; from dareg.benchmark.runner import peak_memory; print(peak_memory(torch.device('cpu'))[1])"
    child = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    parent = peak_memory(__import__("torch").device("cpu"))[1]
    assert held.nbytes < parent
    assert child < parent - held.nbytes // 2  # the child imported torch, nothing of the parent's 1.5 GB


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only: the resident size is read from /proc")
def test_memory_run_reports_its_resident_size_before_training_and_the_report_subtracts_it(toy_config_file):
    from mmengine.config import Config

    from dareg.benchmark.report import format_run_memory
    from dareg.benchmark.runner import run_memory_child

    options = dict(amp=False, synthetic=False, input_size=None, batch_size=None)
    peak = run_memory_child(Config.fromfile(toy_config_file), "framework", 1, 1, **options)
    assert 0 < peak["start"] <= peak["peak"]  # torch and the libraries were resident before the model was built
    memory = {"framework": 900 * 2**20, "baseline": 880 * 2**20, "start": {"framework": 800 * 2**20, "baseline": None}}
    assert format_run_memory(memory).strip() == (
        "added by the run (peak - resident size before training): framework 100.0 MiB"
    )
    assert format_run_memory({"framework": 5, "start": {"framework": 0}}) == ""  # CUDA: the peak is the run's


def test_synthetic_segmentation_data_names_its_classes_so_class_statistics_can_be_counted(tmp_path):
    from dareg.benchmark.synthetic import RandomImageDataset
    from dareg.datasets.class_stats import class_pixel_counts

    dataset = RandomImageDataset(image_size=(8, 16), num_classes=3, num_samples=2)
    assert dataset.metainfo["classes"] == ("class0", "class1", "class2")
    counts = class_pixel_counts(dataset, cache_dir=str(tmp_path))  # what Rare Class Sampling starts from
    labels = [dataset.get_data_info(index)["gt_seg"] for index in range(2)]
    assert counts.tolist() == [[int((label == c).sum()) for c in range(3)] for label in labels]
