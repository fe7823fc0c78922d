"""A config or plugin that raises while being imported is reported with its path (and line)."""

from __future__ import annotations

import importlib.metadata
import sys

import pytest

from dareg import plugins
from dareg.plugins import PluginError, load_plugins, reset_plugins
from dareg.utils.config import ConfigError, load_config


@pytest.fixture
def raising_module(tmp_path, monkeypatch):
    """An importable module ``dareg_raising_mod`` that raises at import (line 2)."""
    (tmp_path / "dareg_raising_mod.py").write_text('"""A plugin with a bug."""\nraise RuntimeError("boom in plugin")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "dareg_raising_mod.py"
    sys.modules.pop("dareg_raising_mod", None)


def test_config_raising_in_a_base_names_the_base_and_line(tmp_path):
    (tmp_path / "base.py").write_text("a = 1\nb = 1 / 0\n")
    (tmp_path / "top.py").write_text('_base_ = ["./base.py"]\nc = 2\n')
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path / "top.py"))
    message = str(info.value)
    assert f"Cannot read config file {tmp_path / 'top.py'}" in message
    assert f"raised at {tmp_path / 'base.py'}:2" in message and "ZeroDivisionError" in message


def test_syntax_error_in_a_base_names_the_base_and_line(tmp_path):
    (tmp_path / "base.py").write_text("a = 1\nb = [\n")
    (tmp_path / "top.py").write_text('_base_ = ["./base.py"]\n')
    with pytest.raises(ConfigError, match=rf"raised at {tmp_path / 'base.py'}:2\): SyntaxError"):
        load_config(str(tmp_path / "top.py"))


def test_custom_import_raising_names_module_file_and_line(tmp_path, raising_module):
    (tmp_path / "cfg.py").write_text('custom_imports = dict(imports=["dareg_raising_mod"])\n')
    with pytest.raises(PluginError) as info:
        load_config(str(tmp_path / "cfg.py"))
    message = str(info.value)
    assert str(tmp_path / "cfg.py") in message and "'dareg_raising_mod'" in message
    assert f"module file {raising_module}" in message and f"raised at {raising_module}:2" in message
    assert "RuntimeError: boom in plugin" in message


def test_entry_point_plugin_raising_names_module_file_and_line(raising_module, monkeypatch):
    entry_point = importlib.metadata.EntryPoint(name="raising", value="dareg_raising_mod", group="dareg.plugins")
    monkeypatch.setattr(plugins.importlib.metadata, "entry_points", lambda group=None: [entry_point])
    monkeypatch.delenv(plugins.DISABLE_ENV, raising=False)
    reset_plugins()
    try:
        with pytest.raises(PluginError) as info:
            load_plugins()
    finally:
        monkeypatch.undo()
        reset_plugins()
    message = str(info.value)
    assert "dareg plugin 'raising'" in message
    assert f"module file {raising_module}" in message and f"raised at {raising_module}:2" in message
