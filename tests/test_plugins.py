"""Plugins: ``custom_imports`` and the ``dareg.plugins`` entry point, and their failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dareg import plugins
from dareg.apis import apply_run_options, train
from dareg.plugins import PluginError
from dareg.registry import ALGORITHMS, CLASSIFIERS, MODELS
from dareg.utils.config import load_config

PLUGIN_DIR = Path(__file__).parent / "fixtures" / "plugins"
LIST_ALGORITHMS = [sys.executable, "-m", "dareg", "list", "algorithms"]
PLUGIN_NAMES = {CLASSIFIERS: ["ToyPluginClassifier"], ALGORITHMS: ["ToyPluginEntropyMin"]}

CONFIG = """
default_scope = "dareg"
{custom_imports}
model = dict(
    type="ToyPluginEntropyMin",
    lambda_ent=0.1,
    task_model=dict(type="ToyPluginClassifier"),
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type="StreamSampler"),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(type="DomainPairDataset", source=dict(type="ToyDigits"), target=dict(type="ToyDigits", shift=60)),
)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor", task_model=dict(optimizer=dict(type="SGD", lr=0.1))
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=2)
default_hooks = dict(logger=dict(type="LoggerHook", interval=1))
log_level = "WARNING"
"""


def write_dist_info(site: Path, module: str, dist: str = "dareg-toy-plugin") -> None:
    """Make ``site`` look like an installed distribution declaring a dareg plugin."""
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[dareg.plugins]\ntoy = {module}\n")


@pytest.fixture
def clean_plugins(monkeypatch):
    """Forget loaded plugins and their registrations before and after a test."""

    def forget():
        plugins.reset_plugins()
        for registry, names in PLUGIN_NAMES.items():
            for name in names:
                registry._module_dict.pop(name, None)
                MODELS._module_dict.pop(name, None)
        for module in [m for m in sys.modules if m.startswith("dareg_toy_plugin") or m.startswith("dareg_broken")]:
            del sys.modules[module]

    monkeypatch.delenv(plugins.DISABLE_ENV, raising=False)
    forget()
    yield
    forget()


def train_two_iterations(config_path: Path, work_dir: Path):
    cfg = load_config(str(config_path))
    apply_run_options(cfg, str(config_path), work_dir=str(work_dir))
    return train(cfg)


def test_custom_imports_loads_plugin_and_trains(tmp_path, monkeypatch, toys, clean_plugins):
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    config = tmp_path / "plugin_custom_imports_cfg.py"
    imports = 'custom_imports = dict(imports=["dareg_toy_plugin"], allow_failed_imports=False)'
    config.write_text(CONFIG.format(custom_imports=imports))
    runner = train_two_iterations(config, tmp_path / "work")
    assert type(runner.model).__name__ == "ToyPluginEntropyMin"
    assert runner.iter == 2
    assert "train/loss_ent" in runner.message_hub.log_scalars


def test_entry_point_plugin_is_found_without_config_change(tmp_path, monkeypatch, toys, clean_plugins):
    site = tmp_path / "site"
    write_dist_info(site, "dareg_toy_plugin")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    assert "ToyPluginEntropyMin" in ALGORITHMS.names()  # first registry use loads the plugin
    assert plugins.origin_of(ALGORITHMS.get("ToyPluginEntropyMin")) == "plugin dareg-toy-plugin"
    config = tmp_path / "plugin_entry_point_cfg.py"
    config.write_text(CONFIG.format(custom_imports=""))
    runner = train_two_iterations(config, tmp_path / "work")
    assert runner.iter == 2


def test_disabled_autoload_skips_entry_points(tmp_path, monkeypatch, clean_plugins):
    site = tmp_path / "site"
    write_dist_info(site, "dareg_toy_plugin")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    monkeypatch.setenv(plugins.DISABLE_ENV, "1")
    assert "ToyPluginEntropyMin" not in ALGORITHMS.names()
    assert "toy" in [p.name for p in plugins.discover_plugins()]  # installed, just not loaded


def test_failing_entry_point_plugin_is_reported_not_swallowed(tmp_path, monkeypatch, clean_plugins):
    site = tmp_path / "site"
    write_dist_info(site, "dareg_broken_plugin", dist="dareg-broken")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    for _ in range(2):  # and again on the next use: never swallowed
        with pytest.raises(PluginError) as info:
            ALGORITHMS.names()
        message = str(info.value)
        assert "dareg plugin 'toy'" in message and "'dareg-broken'" in message
        assert "dareg_dependency_that_is_not_installed" in message
        assert "DAREG_NO_PLUGINS=1" in message


def test_failing_custom_import_names_config_and_module(tmp_path, monkeypatch, clean_plugins):
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    config = tmp_path / "broken_cfg.py"
    config.write_text(CONFIG.format(custom_imports='custom_imports = dict(imports=["dareg_broken_plugin"])'))
    with pytest.raises(PluginError) as info:
        load_config(str(config))
    message = str(info.value)
    assert str(config) in message and "'dareg_broken_plugin'" in message
    assert "dareg_dependency_that_is_not_installed" in message


def test_cli_lists_plugin_origin_in_a_fresh_process(tmp_path):
    site = tmp_path / "site"
    write_dist_info(site, "dareg_toy_plugin")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(PLUGIN_DIR)]))
    env.pop(plugins.DISABLE_ENV, None)
    listed = subprocess.run(LIST_ALGORITHMS, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if "ToyPluginEntropyMin" in line)
    assert "plugin dareg-toy-plugin" in line
    env[plugins.DISABLE_ENV] = "1"
    listed = subprocess.run(LIST_ALGORITHMS, env=env, capture_output=True, text=True)
    assert "ToyPluginEntropyMin" not in listed.stdout
