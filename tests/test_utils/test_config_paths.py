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


def fake_plugin_with_configs(site: Path, package: str = "dareg_fakecfg", distribution: str = "dareg-fakecfg") -> Path:
    """An 'installed' plugin (dist-info with a dareg.plugins entry point) whose package ships configs/."""
    configs = site / package / "configs"
    (configs / "_base_").mkdir(parents=True)
    (site / package / "__init__.py").write_text("")
    (configs / "_base_" / "weights.py").write_text("lambda_y = 2.0\n")
    (configs / "method_digits.py").write_text(
        '_base_ = ["dareg::demo/source_only_digits.py", "./_base_/weights.py"]\ntrain_cfg = dict(max_iters=3)\n'
    )
    info = site / f"{distribution.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[dareg.plugins]\nfakecfg = {package}\n")
    return configs


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_plugins_configs_are_named_by_its_package_and_inherit_each_other_and_dareg(site):
    configs = fake_plugin_with_configs(site)
    assert installed_configs("dareg_fakecfg") == [
        "dareg_fakecfg::_base_/weights.py",
        "dareg_fakecfg::method_digits.py",
    ]
    assert resolve_config("dareg_fakecfg::method_digits.py") == str((configs / "method_digits.py").resolve())
    child = site / "child.py"
    child.write_text('_base_ = ["dareg_fakecfg::method_digits.py"]\nmodel = dict(type="SourceOnly")\n')
    cfg = load_config(str(child))  # a plugin base, itself inheriting a dareg:: base and a relative one
    assert cfg.lambda_y == 2.0 and cfg.train_cfg.max_iters == 3 and cfg.default_scope == "dareg"
    assert cfg.model.task_model.backbone.type == "LeNetEncoder" and "_scope_" not in cfg.model
    assert load_config("dareg_fakecfg::method_digits.py").train_cfg.max_iters == 3


def test_unknown_package_names_the_package_and_the_installed_plugins_with_configs(site):
    fake_plugin_with_configs(site)
    with pytest.raises(FileNotFoundError) as error:
        resolve_config("dareg_nosuch::x.py")
    message = str(error.value)
    assert "Config 'dareg_nosuch::x.py': no installed package is called 'dareg_nosuch'" in message
    assert "Packages with installed configs: dareg::, " in message and "dareg_fakecfg::" in message
    # the distribution's name instead of the package's
    hint = "'dareg-fakecfg' is the plugin dareg-fakecfg; its package is 'dareg_fakecfg'"
    with pytest.raises(FileNotFoundError, match=hint):
        resolve_config("dareg-fakecfg::method_digits.py")
    # a package without a configs folder
    (site / "dareg_noconfigs").mkdir()
    (site / "dareg_noconfigs" / "__init__.py").write_text("")
    with pytest.raises(FileNotFoundError, match=r"the package 'dareg_noconfigs' \(.*\) has no configs folder"):
        load_config("dareg_noconfigs::x.py")


def test_missing_plugin_config_names_package_path_and_the_closest_names(site):
    configs = fake_plugin_with_configs(site)
    with pytest.raises(FileNotFoundError) as error:
        resolve_config("dareg_fakecfg::method_digit.py")
    assert str(error.value).startswith(
        f"Config 'dareg_fakecfg::method_digit.py' is not one of dareg_fakecfg's installed configs (under {configs})."
        " Did you mean: dareg_fakecfg::method_digits.py"
    )
    with pytest.raises(FileNotFoundError, match="relative to the configs folder: dareg_fakecfg::method_digits.py"):
        resolve_config("dareg_fakecfg::configs/method_digits.py")
    base = site / "uses_missing_base.py"
    base.write_text('_base_ = ["dareg_fakecfg::nothing_here.py"]\n')
    with pytest.raises(FileNotFoundError, match="'dareg_fakecfg::nothing_here.py' is not one of dareg_fakecfg's"):
        load_config(str(base))


def test_dareg_configs_lists_dareg_and_plugin_configs(site, capsys):
    from dareg import cli

    fake_plugin_with_configs(site)
    assert cli.main(["configs"]) == 0
    names = capsys.readouterr().out.split()
    assert "dareg::demo/source_only_digits.py" in names and "dareg_fakecfg::method_digits.py" in names
    assert cli.main(["configs", "dareg_fakecfg::"]) == 0
    assert capsys.readouterr().out.split() == ["dareg_fakecfg::_base_/weights.py", "dareg_fakecfg::method_digits.py"]
    assert cli.main(["configs", "demo/source_only_digits."]) == 0
    assert capsys.readouterr().out.split() == ["dareg::demo/source_only_digits.py"]
