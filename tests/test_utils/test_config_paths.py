"""``dareg::`` config names: resolution, suggestions, ``_base_`` entries, and tools/train.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.tools import load_tool

from dareg.utils.config import load_config
from dareg.utils.config_paths import configs_root, installed_configs, resolve_config

ROOT = Path(__file__).resolve().parents[2]


def test_installed_configs_are_the_checkouts_configs_in_an_editable_install():
    assert configs_root().resolve() == (ROOT / "configs").resolve()
    assert "dareg::demo/source_only_digits.py" in installed_configs()
    assert resolve_config("dareg::demo/source_only_digits.py") == str(ROOT / "configs/demo/source_only_digits.py")
    assert resolve_config("local/file.py") == "local/file.py"


@pytest.mark.parametrize(
    "name,hint",
    [
        ("dareg::demo/source_only_digit.py", "Did you mean: dareg::demo/source_only_digits.py"),
        ("dareg::no_such_folder/x.py", "`dareg configs` lists them all"),
        ("dareg::../pyproject.toml", "is not one of dareg's installed configs"),  # no escaping the folder
    ],
)
def test_unknown_names_fail_with_the_closest_names(name, hint):
    with pytest.raises(FileNotFoundError, match=hint.replace("(", r"\(").replace(".", r"\.")):
        resolve_config(name)


def test_a_config_outside_the_checkout_inherits_an_installed_config(tmp_path):
    base = tmp_path / "base.py"
    base.write_text('_base_ = ["dareg::demo/source_only_digits.py"]\ntrain_cfg = dict(max_iters=7)\n')
    child = tmp_path / "child.py"
    child.write_text('_base_ = ["./base.py"]\nmodel = dict(type="SourceOnly")\n')
    cfg = load_config(str(child))
    assert cfg.train_cfg.max_iters == 7 and cfg.train_cfg.val_interval == 600  # merged with dareg's demo
    assert cfg.model.task_model.backbone.type == "LeNetEncoder" and cfg.default_scope == "dareg"
    assert "_scope_" not in cfg.model  # resolved by dareg, not mmengine's pkg:: (which adds a scope)


def test_tools_train_accepts_an_installed_config_name(tmp_path):
    train_tool = load_tool("train.py")
    train_tool.main(
        [
            "dareg::demo/source_only_digits.py",
            "--work-dir",
            str(tmp_path),
            "--cfg-options",
            "train_cfg.max_iters=1",
            "train_dataloader.batch_size=4",
            "default_hooks.checkpoint.interval=1",
        ]
    )
    assert (tmp_path / "iter_1.pth").is_file()
