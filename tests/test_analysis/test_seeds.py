"""Multi-seed runs: per-seed work dirs and seeds through the tools/train.py path, last vs oracle-best."""

from __future__ import annotations

import json
import math
import statistics

import pytest
from fixtures.tools import load_tool
from mmengine.evaluator import BaseMetric

from dareg.analysis.seeds import read_evaluations, summarize_seeds
from dareg.registry import METRICS


class ToyAccuracy(BaseMetric):
    """Percentage of correct toy predictions."""

    default_prefix = "toy"

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(float(s["pred_label"] == s["gt_label"]) for s in data_samples)

    def compute_metrics(self, results) -> dict:
        return {"acc": 100.0 * sum(results) / len(results)}


@pytest.fixture
def seed_config(tmp_path, toys):
    METRICS.register_module(module=ToyAccuracy, force=True)
    cfg = toys.toy_config(
        tmp_path / "unused",
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=4, val_interval=2),
        val_dataloader=dict(
            batch_size=6,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=False),
            collate_fn=dict(type="dareg.domain_collate"),
            dataset=dict(type="ToyDigits", num_samples=18, shift=60, seed=2, pipeline=[dict(type="PackInputs")]),
        ),
        val_cfg=dict(type="ValLoop"),
        val_evaluator=dict(type="ToyAccuracy"),
    )
    path = tmp_path / "toy_seeds.py"
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in cfg.items()))
    yield str(path)
    METRICS._module_dict.pop("ToyAccuracy", None)


def test_two_seeds_train_in_their_own_dirs_and_summarise(seed_config, tmp_path, capsys):
    root = tmp_path / "runs"
    assert load_tool("analysis/multi_seed.py").main([seed_config, "--seeds", "3", "8", "--work-dir", str(root)]) == 0
    printed = capsys.readouterr().out
    assert "best checkpoint (oracle selection)" in printed and "last checkpoint" in printed

    per_seed = {}
    for seed in (3, 8):
        work_dir = root / f"seed_{seed}"
        dumped = (work_dir / "toy_seeds.py").read_text()  # the Runner dumps the config it trained
        assert f"seed={seed}" in dumped.replace(" ", "")
        evaluations = read_evaluations(str(work_dir))
        assert [e["step"] for e in evaluations] == [2, 4]
        per_seed[seed] = [e["toy/acc"] for e in evaluations]

    summary = json.loads((root / "multi_seed_summary.json").read_text())
    assert summary["metric"] == "toy/acc" and summary["num_seeds"] == 2
    lasts = [per_seed[3][-1], per_seed[8][-1]]
    bests = [max(per_seed[3]), max(per_seed[8])]
    assert summary["last_checkpoint"]["mean"] == pytest.approx(statistics.fmean(lasts))
    assert summary["last_checkpoint"]["std"] == pytest.approx(statistics.stdev(lasts))
    assert summary["best_checkpoint_oracle_selection"]["mean"] == pytest.approx(statistics.fmean(bests))
    assert [s["last_step"] for s in summary["seeds"]] == [4, 4]
    environment = summary["environment"]  # what the runs depended on besides the config (issue 22)
    assert environment["packages"]["torch"] and environment["threads"] >= 1 and "data" in environment


def write_scalars(work_dir, lines) -> None:
    folder = work_dir / "20260101_000000" / "vis_data"
    folder.mkdir(parents=True)
    (folder / "scalars.json").write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_summary_from_logged_scalars(tmp_path):
    for seed, values in ((0, [50.0, 60.0, 55.0]), (1, [40.0, 45.0, 48.0])):
        lines = []
        for step, value in zip((100, 200, 300), values):
            lines.append({"loss_seg": 1.0, "lr": 0.1, "iter": step, "step": step})  # a training line
            lines.append({"mIoU": value, "aAcc": 90.0, "data_time": 0.1, "time": 0.2, "step": step})
        write_scalars(tmp_path / f"seed_{seed}", lines)
    summary = summarize_seeds([str(tmp_path / "seed_0"), str(tmp_path / "seed_1")])
    assert summary.metric == "mIoU"  # preferred among several
    assert summary.last == pytest.approx((51.5, statistics.stdev([55.0, 48.0])))
    assert summary.best == pytest.approx((54.0, statistics.stdev([60.0, 48.0])))
    assert [(s.seed, s.best_step, s.last_step) for s in summary.seeds] == [(0, 200, 300), (1, 300, 300)]
    single = summarize_seeds([str(tmp_path / "seed_0")], metric="aAcc")
    assert single.last[0] == 90.0 and math.isnan(single.last[1])
    lower = summarize_seeds([str(tmp_path / "seed_0")], higher_is_better=False)
    assert lower.best == pytest.approx((50.0, math.nan), nan_ok=True)
    with pytest.raises(KeyError, match="logged metrics"):
        summarize_seeds([str(tmp_path / "seed_0")], metric="accuracy")


def test_read_evaluations_spans_the_starts_of_a_resumed_run(tmp_path):
    import json

    from dareg.analysis.seeds import read_evaluations

    def write(stamp: str, lines: list[dict]) -> None:
        folder = tmp_path / stamp / "vis_data"
        folder.mkdir(parents=True)
        (folder / "scalars.json").write_text("".join(json.dumps(line) + "\n" for line in lines))

    write("20260101_000000", [{"iter": 2, "loss": 1.0}, {"accuracy": 10.0, "step": 1}, {"iter": 4, "loss": 0.5},
                              {"accuracy": 20.0, "step": 1}])
    write("20260101_010000", [{"iter": 4, "loss": 0.5}, {"accuracy": 21.0, "step": 1}, {"iter": 6, "loss": 0.4},
                              {"accuracy": 30.0, "step": 1}])
    assert [e["step"] for e in read_evaluations(str(tmp_path))] == [4, 6]  # the latest start only
    history = read_evaluations(str(tmp_path), all_runs=True)
    assert [(e["step"], e["accuracy"]) for e in history] == [(2, 10.0), (4, 21.0), (6, 30.0)]


def test_the_bare_metric_is_preferred_beside_the_prefixed_metrics_of_several_networks(tmp_path):
    # NetworksValLoop logs student/mIoU, teacher/mIoU and the selected network's mIoU
    lines = [{"mIoU": 41.0, "student/mIoU": 41.0, "teacher/mIoU": 43.0, "aAcc": 80.0, "step": 100}]
    write_scalars(tmp_path / "seed_0", lines)
    assert summarize_seeds([str(tmp_path / "seed_0")]).metric == "mIoU"
    assert summarize_seeds([str(tmp_path / "seed_0")], metric="teacher/mIoU").last[0] == 43.0
