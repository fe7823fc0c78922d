"""The plugin is found through its entry point, can be switched off, and works through custom_imports.

Each check runs in a fresh interpreter, because plugin loading happens once per process. Where the plugin
is only on ``PYTHONPATH`` and not installed (a development checkout), a temporary ``dist-info`` declaring
its entry point stands in for the installation.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap

import pytest
from selftrain_helpers import CONFIG_DIR, PLUGIN_ROOT

PLUGIN_ALGORITHMS = ["DACS", "DAFormer", "MIC"]
ENTRY_POINT = "selftrain = dareg_selftrain"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    """A folder for ``PYTHONPATH`` that makes the plugin look installed, unless it is."""
    folder = tmp_path_factory.mktemp("site")
    try:
        importlib.metadata.distribution("dareg-selftrain")
    except importlib.metadata.PackageNotFoundError:
        info = folder / "dareg_selftrain-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dareg-selftrain\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text(f"[dareg.plugins]\n{ENTRY_POINT}\n")
    return str(folder)


def run_python(args: list[str], site: str, disable_plugins: bool = False) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DAREG_NO_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([site, str(PLUGIN_ROOT), env.get("PYTHONPATH", "")])
    if disable_plugins:
        env["DAREG_NO_PLUGINS"] = "1"
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=240)


def listed(output: str, name: str) -> str | None:
    """The line of ``dareg list`` that shows ``name``, if any."""
    return next((line for line in output.splitlines() if line.split()[:1] == [name]), None)


def test_the_entry_point_names_the_package():
    pyproject = (PLUGIN_ROOT / "pyproject.toml").read_text()
    assert '[project.entry-points."dareg.plugins"]\nselftrain = "dareg_selftrain"\n' in pyproject


def test_dareg_list_algorithms_shows_the_plugin_algorithms_with_their_origin(site):
    result = run_python(["-m", "dareg", "list", "algorithms"], site)
    assert result.returncode == 0, result.stderr
    for name in PLUGIN_ALGORITHMS:
        line = listed(result.stdout, name)
        assert line is not None, f"{name} missing from `dareg list algorithms`:\n{result.stdout}"
        assert "plugin dareg-selftrain" in line and f"dareg_selftrain.{name.lower()}" in line
    core = listed(result.stdout, "AdaptSegNet")
    assert core is not None and "plugin" not in core


def test_with_automatic_loading_off_the_plugin_is_absent_and_custom_imports_brings_it_back(site, tmp_path):
    result = run_python(["-m", "dareg", "list", "algorithms"], site, disable_plugins=True)
    assert result.returncode == 0, result.stderr
    assert listed(result.stdout, "AdaptSegNet") is not None
    assert all(listed(result.stdout, name) is None for name in PLUGIN_ALGORITHMS)

    demo = CONFIG_DIR / "dacs_synthetic_hedge.py"
    with_import = tmp_path / "with_import.py"
    with_import.write_text(
        f"_base_ = [{str(demo)!r}]\ncustom_imports = dict(imports=['dareg_selftrain'], allow_failed_imports=False)\n"
    )
    script = textwrap.dedent(
        f"""
        from dareg.registry import MODELS, UnknownTypeError
        from dareg.utils.config import check_config_types, load_config

        try:
            check_config_types(load_config({str(demo)!r}))
        except UnknownTypeError as error:
            print("UNKNOWN:", error)
        cfg = load_config({str(with_import)!r})
        check_config_types(cfg)
        print("BUILT:", type(MODELS.build(cfg.model)).__name__)
        """
    )
    result = run_python(["-c", script], site, disable_plugins=True)
    assert result.returncode == 0, result.stderr
    unknown = next(line for line in result.stdout.splitlines() if line.startswith("UNKNOWN:"))
    assert "'DACS'" in unknown and "custom_imports" in unknown
    assert "BUILT: DACS" in result.stdout
