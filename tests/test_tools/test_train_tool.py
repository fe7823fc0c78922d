"""tools/train.py: end-to-end training from a config file, resume, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.tools import load_tool
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def train_tool():
    return load_tool("train.py")


@pytest.fixture
def toy_config_file(tmp_path, toys):
    cfg = toys.toy_config(tmp_path / "unused")
    del cfg["work_dir"], cfg["experiment_name"]
    path = tmp_path / "toy_adversarial.py"
    Config(cfg).dump(str(path))
    return path


def scalars(work_dir: Path) -> list[dict]:
    files = sorted(work_dir.glob("*/vis_data/scalars.json"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def test_trains_logs_both_losses_and_resumes(train_tool, toy_config_file, tmp_path):
    work_dir = tmp_path / "work"
    train_tool.main([str(toy_config_file), "--work-dir", str(work_dir), "--cfg-options", "train_cfg.max_iters=6"])
    logged = scalars(work_dir)
    assert len(logged) == 6
    assert {"loss_cls", "loss_adv", "loss_d", "classifier.lr", "discriminator.lr"} <= logged[0].keys()
    assert (work_dir / "iter_6.pth").exists()
    train_tool.main([str(toy_config_file), "--work-dir", str(work_dir), "--resume"])  # auto: from iter 6
    assert (work_dir / "iter_12.pth").exists()
    assert [row["iter"] for row in scalars(work_dir)][-6:] == list(range(7, 13))


def test_resume_from_explicit_checkpoint_path(train_tool, toy_config_file, tmp_path):
    first = tmp_path / "first"
    train_tool.main([str(toy_config_file), "--work-dir", str(first), "--cfg-options", "train_cfg.max_iters=6"])
    second = tmp_path / "second"
    train_tool.main([str(toy_config_file), "--work-dir", str(second), "--resume", str(first / "iter_6.pth")])
    assert (second / "iter_12.pth").exists() and not (second / "iter_6.pth").exists()


def test_missing_config_suggests_neighbours(train_tool, toy_config_file):
    expected = r"Config file not found: .*toy_adversarail.py.*Did you mean: .*toy_adversarial"
    with pytest.raises(SystemExit, match=expected):
        train_tool.main([str(toy_config_file.with_name("toy_adversarail.py"))])


def test_malformed_cfg_options_is_a_usage_error(train_tool, toy_config_file, capsys):
    with pytest.raises(SystemExit):
        train_tool.main([str(toy_config_file), "--cfg-options", "train_cfg.max_iters"])
    assert "'train_cfg.max_iters' is not KEY=VALUE" in capsys.readouterr().err


def test_unknown_type_fails_before_any_work(train_tool, toy_config_file, tmp_path):
    work_dir = tmp_path / "never"
    args = [str(toy_config_file), "--work-dir", str(work_dir), "--cfg-options", "model.type=ToyAdversarail"]
    with pytest.raises(SystemExit) as info:
        train_tool.main(args)
    message = str(info.value)
    assert "Unknown type 'ToyAdversarail' at `model`" in message and "ToyAdversarial (algorithm)" in message
    assert not work_dir.exists()


def test_compile_flag_sets_the_config_key(train_tool, toy_config_file, tmp_path, monkeypatch):
    import importlib

    train_module = importlib.import_module("dareg.apis.train")  # dareg.apis.train is also the function
    assert train_tool.parse_args([str(toy_config_file)]).compile is False
    assert train_tool.parse_args([str(toy_config_file), "--compile"]).compile is True
    seen = []
    monkeypatch.setattr(train_module, "train", seen.append)
    train_tool.main([str(toy_config_file), "--work-dir", str(tmp_path / "w"), "--compile"])
    assert seen[0].compile is True


def test_bad_compile_value_is_a_clear_error_before_any_work(train_tool, toy_config_file, tmp_path):
    work_dir = tmp_path / "never"
    args = [str(toy_config_file), "--work-dir", str(work_dir), "--cfg-options", "+compile.backend=inductr"]
    with pytest.raises(SystemExit, match=r"error: compile\.backend='inductr' is not a TorchDynamo backend"):
        train_tool.main(args)
    assert not work_dir.exists()


def test_resume_from_missing_checkpoint(train_tool, toy_config_file, tmp_path):
    with pytest.raises(SystemExit, match="no such checkpoint file"):
        train_tool.main([str(toy_config_file), "--resume", str(tmp_path / "nope.pth")])


def test_default_runtime_hooks_merge_by_key_and_switch_off(tmp_path):
    """dareg's guarantees are default_hooks: a config that adds hooks keeps them, and can drop one."""
    from dareg.apis.train import drop_disabled_default_hooks
    from dareg.utils.config import load_config

    cfg = load_config(str(ROOT / "configs/demo/cyclegan_digits.py"))
    assert {"random_state", "finite_loss", "strict_load", "log_history"} <= set(cfg.default_hooks)
    assert [hook["type"] for hook in cfg.custom_hooks] == ["TranslationVisualizationHook"]
    cfg = load_config(str(ROOT / "configs/demo/cyclegan_digits.py"), {"default_hooks.finite_loss": None})
    drop_disabled_default_hooks(cfg)
    assert "finite_loss" not in cfg.default_hooks and "random_state" in cfg.default_hooks
