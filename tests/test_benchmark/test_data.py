"""The data-pipeline benchmark on small generated images, its pipelines against the configs, and worker counts."""

from __future__ import annotations

import pytest
from mmengine.config import Config

from dareg.benchmark.data import DATASET_SHAPES, PipelineResult, benchmark_data, pipeline_configs
from dareg.benchmark.data_report import format_data_results, format_workers, worker_seconds, workers_needed

SMALL = (
    ("GTA5", (96, 52), (64, 36), True, "png"),
    ("Cityscapes", (128, 64), (64, 32), False, "png"),
    ("JPEG", (80, 80), (32, 32), False, "jpg"),
)


def test_benchmarked_pipelines_are_the_configs():
    seg = Config.fromfile("configs/_base_/datasets/gta2cityscapes.py")
    cls = Config.fromfile("configs/_base_/datasets/image_classification.py")
    sizes = {name: train_size for name, _, train_size, *_ in DATASET_SHAPES}
    assert pipeline_configs("GTA5", sizes["GTA5"])["dareg"] == seg.gta5_pipeline
    assert pipeline_configs("Cityscapes", sizes["Cityscapes"])["dareg"] == seg.cityscapes_train_pipeline
    assert pipeline_configs("JPEG", sizes["JPEG"])["dareg"] == cls.test_pipeline[:2] + cls.test_pipeline[3:]


def test_small_images_through_every_pipeline(tmp_path):
    results = benchmark_data(count=2, repeats=1, root=str(tmp_path), shapes=SMALL)
    assert [r.dataset for r in results] == ["GTA5", "Cityscapes", "JPEG"]
    assert set(results[0].cpu) == {"dareg", "pil_uint8", "pil"}  # GTA5 has no separate full-decode variant
    assert set(results[1].cpu) == set(results[1].wall) == {"dareg", "dareg_full", "pil_uint8", "pil"}
    assert all(len(times) == 2 for r in results for times in r.cpu.values())
    # Cityscapes: half-size decode (area) is closer to Pillow's bicubic than OpenCV's bicubic
    assert results[1].psnr_vs_pil["dareg"] > results[1].psnr_vs_pil["dareg_full"] > 25
    assert set(results[0].interpolations) == {"bicubic", "area", "bilinear"}
    table = format_data_results(results)
    assert "PIL ref" in table and "Cityscapes" in table and "area" in table
    # the images are kept in root and reused by the next run
    kept = sorted(p.name for p in (tmp_path / "GTA5").iterdir())
    assert kept == ["00000.png", "00000_label.png", "00001.png", "00001_label.png"]
    mtime = (tmp_path / "GTA5" / "00000.png").stat().st_mtime_ns
    benchmark_data(count=1, repeats=1, root=str(tmp_path), shapes=SMALL[:1])
    assert (tmp_path / "GTA5" / "00000.png").stat().st_mtime_ns == mtime


def result(name: str, seconds: dict[str, float]) -> PipelineResult:
    return PipelineResult(name, (1, 1), (1, 1), 0.0, cpu={k: [v] for k, v in seconds.items()}, wall={})


def test_workers_for_one_gta5_and_one_cityscapes_image_per_step():
    results = [result("GTA5", {"dareg": 0.04, "pil": 0.06}), result("Cityscapes", {"dareg": 0.03, "pil": 0.05})]
    assert worker_seconds(results, "dareg", {"GTA5": 1, "Cityscapes": 1}) == pytest.approx(0.07)
    assert worker_seconds(results, "pil", {"GTA5": 1, "Cityscapes": 1}) == pytest.approx(0.11)
    # ceil(headroom * 0.07 s / step)
    assert [workers_needed(0.07, step) for step in (1.7, 0.3, 0.1, 0.05)] == [1, 1, 2, 3]
    assert workers_needed(0.07, 0.07, headroom=1.0) == 1
    table = format_workers(results, [0.1], headroom=1.5)
    assert table.splitlines()[-1].split() == ["0.1", "2", "2"]
    with pytest.raises(ValueError, match="positive"):
        workers_needed(0.07, 0.0)
