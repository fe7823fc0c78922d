"""tools/gpu_check.sh: the pieces, and the whole check's dry run on the CPU (every path but CUDA's).

The dry run trains the 11 demo configs at toy sizes in 3 modes, times 3 settings eager and compiled
(TorchDynamo's ``eager`` backend) and starts a two-process DDP run of compiled networks: about 40 s
of CPU time on an idle machine, so it runs once (module fixture, time limit below) and the tests
read its report.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch

from dareg.benchmark import gpu_cases, gpu_check
from dareg.benchmark.gpu_ddp import run_ddp
from dareg.benchmark.gpu_report import failures, format_report

ROOT = Path(__file__).resolve().parents[2]
#: Wall-clock limit of each dry-run test (the first one includes the run): several times its idle time.
dry_run_limit = pytest.mark.timeout(300)


def test_pretrained_weights_are_switched_off_everywhere():
    model = dict(
        segmentor=dict(backbone=dict(type="DeepLabV2ResNet", pretrained="checkpoints/x.pth")),
        classifier=dict(backbone=dict(type="TimmBackbone", pretrained=True, checkpoint_path="w.pth")),
        task_checkpoint="work_dirs/a/iter_1.pth",
        heads=[dict(init_cfg=dict(type="Pretrained", checkpoint="h.pth")), dict(pretrained=None)],
    )
    changed = gpu_cases.without_pretrained_weights(model)
    assert model["segmentor"]["backbone"]["pretrained"] is None
    assert model["classifier"]["backbone"]["pretrained"] is False
    assert model["classifier"]["backbone"]["checkpoint_path"] is None and model["task_checkpoint"] is None
    assert model["heads"][0]["init_cfg"] is None and model["heads"][1]["pretrained"] is None
    assert len(changed) == 5 and "model.heads[0].init_cfg" in changed


def test_every_algorithm_has_a_real_and_a_dry_setting_that_load():
    names = [case.name for case in gpu_cases.ALGORITHMS]
    assert names == [
        "AdaptSegNet",
        "ADDA",
        "PixelDA",
        "CycleGAN",
        "DiscoGAN",
        "CyCADA",
        "SourceOnly",
        "DANN",
        "CDAN",
        "MCD",
        "MDD",
    ]
    for case in gpu_cases.ALGORITHMS:
        cfg = gpu_cases.load_setting(case.real)
        assert cfg.model.type == case.name, case.name  # the config trains the algorithm it is listed for
    real_r101 = gpu_cases.load_setting(gpu_cases.PERFORMANCE[0].real)
    assert real_r101.model.segmentor.backbone.depth == 101 and real_r101.model.segmentor.backbone.pretrained is None


def test_unknown_algorithm_and_missing_cuda_are_clear_errors(tmp_path):
    with pytest.raises(SystemExit, match=r"--only \['ADAA'\]: not an algorithm of the check"):
        gpu_check.main(["--dry-run", "--only", "ADAA", "--out", str(tmp_path / "r.md")])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="no CUDA device here; the GPU check needs one"):
            gpu_check.main(["--out", str(tmp_path / "r.md")])
        assert run_ddp(compiled=False, dry=False) == dict(compiled=False, passed=False, skipped="no CUDA device")


def test_report_lists_failures_and_errors():
    checks = dict(losses_finite=False, nonfinite={"loss_d": 1}, steps={"g": 2, "d": 0}, moved={"g": 1.0, "d": 0.0})
    results = dict(
        dry_run=False,
        seconds=1.0,
        command="tools/gpu_check.sh",
        environment={"gpu": "X"},
        training=[
            dict(algorithm="A", mode="fp32", config="c.py", passed=False, checks=checks, not_stepped=["d"], step=0.1),
            dict(algorithm="A", mode="amp", config="c.py", passed=False, error="RuntimeError: boom\ntrace"),
        ],
        performance=[],
        ddp=[dict(compiled=False, passed=False, skipped="no CUDA device")],
    )
    assert failures(results) == ["training A [fp32]", "training A [amp]"]  # a skipped DDP run is no failure
    text = format_report(results)
    assert "**2 failed**" in text
    assert "**FAILED**: non-finite ['loss_d']; never stepped: ['d']" in text
    assert "**error**: RuntimeError: boom" in text and "- eager: skipped (no CUDA device)" in text


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gpu_check")
    out, data = folder / "report.md", folder / "report.json"
    process = subprocess.run(
        ["bash", str(ROOT / "tools" / "gpu_check.sh"), str(out), "--dry-run", "--json", str(data)],
        capture_output=True,
        text=True,
        timeout=290,
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return out.read_text(), json.loads(data.read_text()), process.stdout


@dry_run_limit
def test_dry_run_trains_every_algorithm_in_every_mode(dry_run):
    text, results, _ = dry_run
    runs = {(run["algorithm"], run["mode"]): run for run in results["training"]}
    assert set(runs) == {(case.name, mode) for case in gpu_cases.ALGORITHMS for mode in gpu_cases.MODES}
    for key, run in runs.items():
        checks = run["checks"]
        assert run["passed"] and checks["losses_finite"], key
        assert all(steps > 0 for steps in checks["steps"].values()), key  # ADDA's and DiscoGAN's phases included
        assert all(share > 0 for share in checks["moved"].values()), key
    assert set(runs[("ADDA", "fp32")]["checks"]["steps"]) == {"classifier", "target_encoder", "discriminator"}
    assert text.startswith("# GPU check (dry run on the CPU") and "**everything passed**" in text
    assert text.count("| ok, ") == 33  # 11 algorithms x 3 modes, one cell each


@dry_run_limit
def test_dry_run_compares_eager_and_compiled(dry_run):
    text, results, _ = dry_run
    runs = results["performance"]
    # the dry run times AMP for its last setting only (the same path as for the others)
    assert [(run["name"].split(",")[0], run["amp"]) for run in runs] == [
        ("AdaptSegNet", False),
        ("CycleGAN", False),
        ("PixelDA", False),
        ("PixelDA", True),
    ]
    for run in runs:
        compiled = run["compile"]
        assert run["passed"] and compiled["options"]["backend"] == "eager"
        assert compiled["graphs"] > 0 and compiled["step"]["median"] > 0 and compiled["ratio"] > 0
        assert compiled["checks"]["passed"] and run["checks"]["passed"]
    assert "## 2. Step time and peak memory, eager vs compiled" in text


@dry_run_limit
def test_dry_run_ends_with_two_process_ddp_runs(dry_run):
    text, results, stdout = dry_run
    assert [run["compiled"] for run in results["ddp"]] == [True]  # compiled networks under DDP
    for run in results["ddp"]:
        assert run["passed"] and run["world_size"] == 2 and run["backend"] == "gloo"
        assert run["checks"]["iterations"] == 4
    assert "- compiled: ok: 2 ranks, CPU, backend gloo, identical weights after every iteration" in text
    assert "DDP, 2 processes [compiled]" in stdout
