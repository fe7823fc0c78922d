"""Plugin tooling: ``dareg plugins``, disabling one plugin, name clashes, short errors, ``--config``.

Installed plugins are simulated by ``*.dist-info`` folders on ``sys.path`` (importlib.metadata
reads them at each call), with their modules written next to them.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from dareg import cli, plugins
from dareg.plugins import PluginError
from dareg.registry import LOSSES, MODELS
from dareg.utils.config import load_config

LOSS_MODULE = '''
from torch import nn
from dareg.registry import LOSSES


@LOSSES.register_module()
class ClashLoss(nn.Module):
    """A loss whose name two plugins take."""
'''


def install(site: Path, dist: str, entry: str, module: str, source: str, version: str = "0.3") -> None:
    """A fake installed distribution ``dist`` whose entry point ``entry`` names module ``module``."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[dareg.plugins]\n{entry} = {module}\n")
    (site / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path for fake plugins; loaded plugins and their registrations are forgotten after."""
    monkeypatch.delenv(plugins.DISABLE_ENV, raising=False)
    monkeypatch.delenv(plugins.DISABLE_NAMES_ENV, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(plugins.DISABLE_ENV, "1")  # import dareg's own losses before the snapshot
    plugins.reset_plugins()
    LOSSES.names()
    MODELS.names()
    monkeypatch.delenv(plugins.DISABLE_ENV)
    plugins.reset_plugins()
    before = {registry: set(registry._module_dict) for registry in (LOSSES, MODELS)}
    yield tmp_path
    plugins.reset_plugins()
    for registry, names in before.items():
        for name in set(registry._module_dict) - names:
            registry._module_dict.pop(name)
    for name in [m for m in sys.modules if m.startswith("fake_plugin")]:
        del sys.modules[name]


def test_dareg_plugins_lists_version_status_and_error(site, capsys):
    install(site, "dareg-fake-good", "good", "fake_plugin_good", "X = 1\n", version="1.2.3")
    install(site, "dareg-fake-bad", "bad", "fake_plugin_bad", "raise RuntimeError('boom at import')\n")
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    good = next(line for line in out.splitlines() if line.startswith("good "))
    bad = next(line for line in out.splitlines() if line.startswith("bad "))
    assert good.split()[1:4] == ["dareg-fake-good", "1.2.3", "loaded"]
    assert bad.split()[1:4] == ["dareg-fake-bad", "0.3", "failed"]
    assert "bad: dareg plugin 'bad'" in out and "RuntimeError: boom at import" in out and "fake_plugin_bad.py" in out


def test_a_plugin_is_disabled_by_name_from_the_environment(site, monkeypatch):
    install(site, "dareg-fake-bad", "bad", "fake_plugin_bad", "raise RuntimeError('boom')\n")
    with pytest.raises(PluginError, match="DAREG_DISABLE_PLUGINS=bad"):
        LOSSES.names()  # the failure says how to skip it
    plugins.reset_plugins()
    monkeypatch.setenv(plugins.DISABLE_NAMES_ENV, "other, dareg-fake-bad")  # distribution names work too
    assert "GANLoss" in LOSSES.names()
    assert "fake_plugin_bad" not in sys.modules
    assert {s.info.name: s.status for s in plugins.plugin_status()}["bad"] == "disabled"
    assert "bad (dareg-fake-bad 0.3, disabled)" in plugins.loaded_summary()


def test_a_plugin_is_disabled_by_a_config_key_read_before_plugins_load(site, tmp_path, monkeypatch):
    install(site, "dareg-fake-bad", "bad", "fake_plugin_bad", "raise RuntimeError('boom')\n")
    config = tmp_path / "cfg.py"
    config.write_text('disabled_plugins = ["bad"]\nmodel = dict(type="SourceOnly")\n')
    load_config(str(config))
    assert "GANLoss" in LOSSES.names() and "fake_plugin_bad" not in sys.modules
    # once plugins are loaded, the config key can no longer take effect, and says so
    plugins.reset_plugins()
    monkeypatch.setenv(plugins.DISABLE_NAMES_ENV, "bad")
    install(site, "dareg-fake-good", "good", "fake_plugin_good", "X = 1\n")
    LOSSES.names()
    config.write_text('disabled_plugins = ["good"]\n')
    with pytest.raises(PluginError, match="already loaded .* DAREG_DISABLE_PLUGINS=good"):
        load_config(str(config))


def test_a_name_clash_names_both_registrants_by_file_and_distribution(site):
    install(site, "dareg-fake-first", "first", "fake_plugin_first", LOSS_MODULE, version="1.0")
    install(site, "dareg-fake-second", "second", "fake_plugin_second", LOSS_MODULE, version="2.0")
    with pytest.raises(PluginError) as error:
        LOSSES.names()
    message = str(error.value)
    assert "register the loss name 'ClashLoss'" in message
    assert f"fake_plugin_first.ClashLoss ({site / 'fake_plugin_first.py'}:6; distribution dareg-fake-first" in message
    second = f"fake_plugin_second.ClashLoss ({site / 'fake_plugin_second.py'}:6; distribution dareg-fake-second"
    assert second in message


def test_dareg_list_shows_the_short_plugin_error_not_a_traceback(site, capsys):
    install(site, "dareg-fake-bad", "bad", "fake_plugin_bad", "import math\nraise RuntimeError('boom')\n")
    assert cli.main(["list", "losses"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: dareg plugin 'bad' (entry point 'fake_plugin_bad' of the installed distribution")
    assert "fake_plugin_bad.py:2" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_dareg_list_with_config_imports_its_custom_imports(site, tmp_path, capsys):
    (site / "fake_plugin_custom.py").write_text(LOSS_MODULE.replace("ClashLoss", "ConfigOnlyLoss"))
    config = tmp_path / "cfg.py"
    config.write_text('custom_imports = dict(imports=["fake_plugin_custom"], allow_failed_imports=False)\n')
    assert cli.main(["list", "losses"]) == 0
    assert "ConfigOnlyLoss" not in capsys.readouterr().out
    assert cli.main(["list", "losses", "--config", str(config)]) == 0
    assert re.search(r"\n  ConfigOnlyLoss +module fake_plugin_custom ", capsys.readouterr().out)


def test_custom_imports_tells_a_missing_package_from_one_whose_import_fails(site, tmp_path):
    (site / "fake_plugin_failing.py").write_text("import no_such_dependency_xyz\n")
    config = tmp_path / "cfg.py"
    for module, advice in (
        ("fake_plugin_absent", "Install the package that provides 'fake_plugin_absent'"),
        ("fake_plugin_failing", "'fake_plugin_failing' was found but its own import raised"),
    ):
        config.write_text(f'custom_imports = dict(imports=["{module}"], allow_failed_imports=False)\n')
        with pytest.raises(PluginError, match=advice):
            load_config(str(config))
