"""Every translation config (CycleGAN, DiscoGAN, CyCADA, demo) builds and trains two iterations at tiny
size through the real Runner, on tiny files in the datasets' real layouts; CyCADA's digit stages chain."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from fixtures.digit_files import write_mnist_idx, write_svhn_mat
from fixtures.segmentation_layouts import write_cityscapes_layout, write_gta5_layout
from mmengine.config import Config

import dareg.testing  # noqa: F401  (registers TinySegmentor)
from dareg.apis import train
from dareg.apis.translate import build_translator, config_entry, translate_dataset
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SMALL_PIPELINE = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(36, 36)),
    dict(type="RandomCrop", size=32),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PackInputs"),
]


@pytest.fixture(autouse=True)
def fast_runner(monkeypatch):
    """Tiny models run faster on one thread (and do not fight other processes for the cores), and the
    Runner's config dump skips mmengine's yapf pretty-printing (seconds per config, most of these tests)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setattr(Config, "pretty_text", property(lambda self: f"cfg = {self.to_dict()!r}\n"))
    yield
    torch.set_num_threads(threads)


def write_folder(folder: Path, count: int, size: tuple[int, int], seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        cv2.imwrite(str(folder / f"{index:03d}.jpg"), rng.integers(0, 256, (*size, 3), dtype=np.uint8))


def redirect(node, roots: dict[str, str]) -> None:
    """Point every data_root (and stage checkpoints / translated folders) at tiny files."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("data_root", "img_root", "task_checkpoint") and value in roots:
                node[key] = roots[value]
            else:
                redirect(value, roots)
    elif isinstance(node, list):
        for value in node:
            redirect(value, roots)


def shrink_images(node) -> None:
    """Resize to at most 64x32 and crop at most 24 pixels, wherever a pipeline says more."""
    if isinstance(node, dict):
        if node.get("type") == "Resize" and max(node["scale"]) > 64:
            node["scale"] = (64, 32)
        if node.get("type") == "RandomCrop":
            node["size"] = 24
        for value in node.values():
            shrink_images(value)
    elif isinstance(node, list):
        for value in node:
            shrink_images(value)


def shrink(model: dict) -> None:
    for key in ("generator", "generator_b2a"):
        if key in model:
            model[key]["base_channels"] = 4
            if model[key]["type"] == "ResnetGenerator":
                model[key]["num_blocks"] = 1
    for key in ("discriminator", "discriminator_a"):
        if key in model and model[key]["type"] in ("PatchDiscriminator", "DiscoGANDiscriminator"):
            model[key]["base_channels"] = 4
            if model[key]["type"] == "PatchDiscriminator":
                model[key]["num_layers"] = 2
    if "pool_size" in model:
        model["pool_size"] = 2


def tiny_run(path: str, work_dir: Path, roots: dict[str, str], batch_size: int = 2, **edits) -> Config:
    cfg = load_config(str(CONFIGS / path)).to_dict()
    redirect(cfg, roots)
    shrink_images(cfg)
    shrink(cfg["model"])
    cfg["work_dir"] = str(work_dir)
    cfg["experiment_name"] = f"{work_dir.name}_{time.time_ns()}"  # runners built within a second stay apart
    cfg["train_dataloader"].update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    for key in ("val_dataloader", "test_dataloader"):
        if cfg.get(key):
            cfg[key].update(num_workers=0, persistent_workers=False)
    cfg["train_cfg"]["max_iters"] = 2
    if "val_interval" in cfg["train_cfg"]:
        cfg["train_cfg"]["val_interval"] = 2
    schedulers = cfg.get("param_scheduler") or {}
    for scheduler in schedulers.values() if isinstance(schedulers, dict) else []:
        if scheduler.get("type") == "LinearDecayLR":
            scheduler.update(constant_steps=1, end=2)
    cfg["default_hooks"]["checkpoint"]["interval"] = 2
    cfg["default_hooks"]["logger"]["interval"] = 1
    for hook in cfg.get("custom_hooks", []):
        if hook["type"] == "TranslationVisualizationHook":
            hook.update(interval=1, num_samples=1)
    cfg["log_level"] = "WARNING"
    for key, value in edits.items():
        node = cfg
        *parents, last = key.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    config = Config(cfg)
    runner = train(config)
    iterations = cfg["train_cfg"]["max_iters"]
    assert runner.iter == iterations and os.path.isfile(work_dir / f"iter_{iterations}.pth")
    return config


def digit_roots(tmp_path: Path) -> dict[str, str]:
    write_svhn_mat(tmp_path / "svhn", n=8)
    write_mnist_idx(tmp_path / "mnist", n=8)
    return {"data/svhn": str(tmp_path / "svhn"), "data/mnist": str(tmp_path / "mnist")}


def test_demo_cyclegan_digits_writes_sample_grids(tmp_path):
    tiny_run("demo/cyclegan_digits.py", tmp_path / "demo", {})
    grid = cv2.imread(str(tmp_path / "demo" / "vis" / "iter_2.png"))
    assert grid is not None and grid.shape[0] > 2 * 32 and grid.shape[1] > 3 * 32  # 2 rows x 3 columns of 32px


def test_cyclegan_horse2zebra_layout(tmp_path):
    root = tmp_path / "horse2zebra"
    write_folder(root / "trainA", 3, (40, 40))
    write_folder(root / "trainB", 4, (40, 48), seed=1)
    pipeline_edit = {
        "train_dataloader.dataset.source.pipeline": SMALL_PIPELINE,
        "train_dataloader.dataset.target.pipeline": SMALL_PIPELINE,
    }
    tiny_run("cyclegan/horse2zebra.py", tmp_path / "work", {"data/horse2zebra": str(root)}, **pipeline_edit)


def street_roots(tmp_path: Path) -> dict[str, str]:
    return {
        "data/gta5": write_gta5_layout(tmp_path / "gta5", n=2, size=(64, 32)),
        "data/cityscapes": write_cityscapes_layout(tmp_path / "cityscapes", n=2, size=(64, 32)),
    }


def test_cyclegan_gta2cityscapes(tmp_path):
    tiny_run("cyclegan/gta2cityscapes.py", tmp_path / "work", street_roots(tmp_path))


def test_discogan_edges2shoes(tmp_path):
    root = tmp_path / "edges2shoes"
    write_folder(root / "train", 4, (64, 128))
    tiny_run("discogan/edges2shoes.py", tmp_path / "work", {"data/edges2shoes": str(root)})


def test_cyclegan_svhn2mnist(tmp_path):
    tiny_run("cyclegan/svhn2mnist.py", tmp_path / "work", digit_roots(tmp_path))


def test_cycada_digit_stages_chain(tmp_path):
    roots = digit_roots(tmp_path)
    # (a) source-only LeNet
    tiny_run("cycada/svhn2mnist_stage_a_source_only.py", tmp_path / "a", roots, batch_size=4)
    roots["work_dirs/cycada_svhn2mnist_a/iter_10000.pth"] = str(tmp_path / "a" / "iter_2.pth")
    # (b) CycleGAN + semantic consistency under the frozen stage-(a) network
    cfg_b = tiny_run("cycada/svhn2mnist_stage_b_cycada.py", tmp_path / "b", roots)
    stage_a = torch.load(tmp_path / "a" / "iter_2.pth", weights_only=False)["state_dict"]
    stage_b = torch.load(tmp_path / "b" / "iter_2.pth", weights_only=False)["state_dict"]
    for key, value in stage_a.items():
        assert torch.equal(stage_b["semantic_loss." + key], value)  # f_S unchanged by stage (b)
    # translate the source training set with stage (b)'s generator, as the chain's command does
    translator = build_translator(cfg_b, str(tmp_path / "b" / "iter_2.pth"), "a2b")
    dataset_cfg = copy.deepcopy(config_entry(cfg_b, "train_dataloader.dataset.source"))
    out = tmp_path / "translated"
    summary = translate_dataset(translator, dataset_cfg, str(out), scale=(28, 28), keep_size=False, progress=False)
    assert summary.written == 8
    # (c) ADDA on the translated images with the SVHN labels
    roots["work_dirs/cycada_svhn2mnist_translated"] = str(out)
    tiny_run("cycada/svhn2mnist_stage_c_adda.py", tmp_path / "c", roots, batch_size=4, **{"model.pretrain_iters": 1})


@pytest.mark.parametrize("path", ["cycada/svhn2mnist_stage_b_cycada.py"])
def test_stage_b_without_stage_a_says_what_to_do(tmp_path, path):
    with pytest.raises(FileNotFoundError, match="Train CyCADA stage \\(a\\) first"):
        tiny_run(path, tmp_path / "b", digit_roots(tmp_path))


@pytest.fixture
def tiny_segmentor():
    return dict(type="TinySegmentor", num_classes=19)


def test_cycada_segmentation_stages_chain(tmp_path, tiny_segmentor):
    """The three GTA5 -> Cityscapes stages with a tiny segmentor in place of DeepLab-v2 (same wiring)."""
    roots = street_roots(tmp_path)
    tiny_run("cycada/gta2cityscapes_stage_a_source_only.py", tmp_path / "a", roots,
             **{"model.task_model": tiny_segmentor})
    roots["work_dirs/cycada_gta2cityscapes_a/iter_150000.pth"] = str(tmp_path / "a" / "iter_2.pth")
    cfg_b = tiny_run("cycada/gta2cityscapes_stage_b_cycada.py", tmp_path / "b", roots, batch_size=1,
                     **{"model.task_model": tiny_segmentor})
    translator = build_translator(cfg_b, str(tmp_path / "b" / "iter_2.pth"), "a2b")
    out = tmp_path / "gta5_cityscapes_style"
    dataset_cfg = config_entry(cfg_b, "train_dataloader.dataset.source")
    assert translate_dataset(translator, dataset_cfg, str(out), progress=False).written == 2
    assert sorted(os.listdir(out / "images")) == sorted(os.listdir(tmp_path / "gta5" / "images"))
    roots["data/gta5_cityscapes_style"] = str(out)
    tiny_run("cycada/gta2cityscapes_stage_c_adaptsegnet.py", tmp_path / "c", roots, batch_size=1,
             **{"model.segmentor": tiny_segmentor, "model.lambda_adv": 0.001})


def test_cyclegan_resume_is_exact_with_history_pools(tmp_path):
    """2 + 2 iterations with a resume in between give exactly the weights and pools of 4 straight ones."""
    straight = tiny_run("demo/cyclegan_digits.py", tmp_path / "straight", {}, **{"train_cfg.max_iters": 4})
    tiny_run("demo/cyclegan_digits.py", tmp_path / "resumed", {})
    resumed = tiny_run(
        "demo/cyclegan_digits.py", tmp_path / "resumed", {}, **{"train_cfg.max_iters": 4, "resume": True}
    )
    assert straight.train_cfg.max_iters == resumed.train_cfg.max_iters == 4
    a = torch.load(tmp_path / "straight" / "iter_4.pth", weights_only=False)["state_dict"]
    b = torch.load(tmp_path / "resumed" / "iter_4.pth", weights_only=False)["state_dict"]
    assert a.keys() == b.keys() and int(a["pools.a.num_images"]) == 2  # pool_size 2, full after the first batch
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_demo_cycada_digit_chain(tmp_path):
    """configs/demo/cycada_digits*.py chain with the demo source-only LeNet, as their headers say."""
    tiny_run("demo/source_only_digits.py", tmp_path / "a", {}, batch_size=4)
    roots = {"work_dirs/source_only_digits/iter_600.pth": str(tmp_path / "a" / "iter_2.pth")}
    cfg_b = tiny_run("demo/cycada_digits.py", tmp_path / "b", roots)
    translator = build_translator(cfg_b, str(tmp_path / "b" / "iter_2.pth"), "a2b")
    out = tmp_path / "translated"
    dataset_cfg = config_entry(cfg_b, "train_dataloader.dataset.source")
    assert translate_dataset(translator, dataset_cfg, str(out), batch_size=256, progress=False).written == 719
    roots["work_dirs/cycada_digits_translated"] = str(out)
    tiny_run("demo/cycada_digits_stage_c.py", tmp_path / "c", roots, batch_size=4, **{"model.pretrain_iters": 1})
    cfg = tiny_run("demo/cycada_digits_translated_source_only.py", tmp_path / "c_pixel", roots, batch_size=4)
    assert cfg.train_dataloader.dataset.source.img_root == str(out)


def test_demo_discogan_digits(tmp_path):
    cfg = tiny_run("demo/discogan_digits.py", tmp_path, {})
    assert cfg.train_dataloader.dataset.source.image_size == 64


# --- opt-in checkpoint selection by FID (the *_fid.py variants) ------------------------------------------------


@pytest.fixture(scope="module")
def random_inception_weights(tmp_path_factory) -> str:
    """A weights file in pytorch-fid's layout with random values (the tests never have the real file)."""
    from dareg.evaluation.inception import InceptionFeatures

    path = tmp_path_factory.mktemp("inception") / "pt_inception-random.pth"
    torch.save(InceptionFeatures(input_size=75).network.state_dict(), path)
    return str(path)


def horse2zebra_roots(tmp_path: Path) -> dict[str, str]:
    root = tmp_path / "horse2zebra"
    for folder, count, seed in (("trainA", 3, 0), ("trainB", 4, 1), ("testA", 3, 2), ("testB", 3, 3)):
        write_folder(root / folder, count, (40, 40), seed=seed)
    return {"data/horse2zebra": str(root)}


def edges2shoes_roots(tmp_path: Path) -> dict[str, str]:
    root = tmp_path / "edges2shoes"
    write_folder(root / "train", 4, (64, 128))
    write_folder(root / "val", 4, (64, 128), seed=1)
    return {"data/edges2shoes": str(root)}


FID_RUNS = {
    "cyclegan/horse2zebra_fid.py": horse2zebra_roots,
    "discogan/edges2shoes_fid.py": edges2shoes_roots,
    "cyclegan/svhn2mnist_fid.py": digit_roots,
    "cyclegan/gta2cityscapes_fid.py": street_roots,
}


@pytest.mark.parametrize("path", sorted(FID_RUNS))
def test_fid_variant_keeps_the_checkpoint_with_the_lowest_fid(tmp_path, path, random_inception_weights):
    """Each *_fid.py variant validates with InceptionMetrics at the weights file its `inception_weights`
    names, and BestCheckpointHook keeps best_FID.pth (rule "less") beside the last checkpoint."""
    recipe = load_config(str(CONFIGS / path))
    assert recipe.val_evaluator.inception.weights == recipe.inception_weights
    assert recipe.default_hooks.best == dict(type="BestCheckpointHook", key="FID", rule="less")
    work_dir = tmp_path / "work"
    weights = dict(weights=random_inception_weights, input_size=75)  # random weights at the smallest input
    tiny_run(path, work_dir, FID_RUNS[path](tmp_path), **{"val_evaluator.inception": weights})
    record = json.loads((work_dir / "best_checkpoints.json").read_text())["FID"]
    assert record["iter"] == 2 and record["rule"] == "less" and np.isfinite(record["score"]) and record["score"] > 0
    best = torch.load(work_dir / "best_FID.pth", weights_only=False)
    last = torch.load(work_dir / "iter_2.pth", weights_only=False)
    assert best["meta"]["best_key"] == "FID" and best["meta"]["best_score"] == record["score"]
    for key, value in last["state_dict"].items():
        assert torch.equal(best["state_dict"][key], value), key  # one validation: the best is the last


def test_fid_variant_without_the_weights_file_stops_before_training(tmp_path):
    with pytest.raises(FileNotFoundError, match="pt_inception-2015-12-05-6726825d.pth.*does not exist"):
        tiny_run("cyclegan/horse2zebra_fid.py", tmp_path / "work", horse2zebra_roots(tmp_path))
    assert not list((tmp_path / "work").glob("*.pth"))


@pytest.mark.parametrize("name", ["svhn2mnist", "gta2cityscapes"])
def test_cycada_fid_variants_validate_as_the_cyclegan_ones(name):
    """CyCADA's stage (b) *_fid.py repeat the validation block of the CycleGAN *_fid.py (trained above) on
    top of stage (b) itself (trained by the chain tests); the two must not drift apart."""
    cyclegan = load_config(str(CONFIGS / f"cyclegan/{name}_fid.py"))
    cycada = load_config(str(CONFIGS / f"cycada/{name}_stage_b_cycada_fid.py"))
    stage_b = load_config(str(CONFIGS / f"cycada/{name}_stage_b_cycada.py"))
    for key in ("inception_weights", "val_dataloader", "val_evaluator", "val_cfg", "train_cfg"):
        assert cycada[key] == cyclegan[key], key
    best = cyclegan.default_hooks.best
    assert cycada.default_hooks == cyclegan.default_hooks == dict(stage_b.default_hooks, best=best)
    assert cycada.model == stage_b.model and cycada.work_dir == stage_b.work_dir
