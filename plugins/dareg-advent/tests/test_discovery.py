"""The plugin is found through its entry point, can be switched off, and works through custom_imports.

Each check runs in a fresh interpreter, because plugin loading happens once per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from advent_helpers import CONFIG_DIR

PLUGIN_ALGORITHMS = ["AdvEnt", "MinEnt"]


def run_python(args: list[str], disable_plugins: bool) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DAREG_NO_PLUGINS"}
    if disable_plugins:
        env["DAREG_NO_PLUGINS"] = "1"
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=240)


def listed(output: str, name: str) -> str | None:
    """The line of ``dareg list`` that shows ``name``, if any."""
    return next((line for line in output.splitlines() if line.split()[:1] == [name]), None)


def test_dareg_list_algorithms_shows_the_plugin_algorithms_with_their_origin():
    result = run_python(["-m", "dareg", "list", "algorithms"], disable_plugins=False)
    assert result.returncode == 0, result.stderr
    for name in PLUGIN_ALGORITHMS:
        line = listed(result.stdout, name)
        assert line is not None, f"{name} missing from `dareg list algorithms`"
        assert "plugin dareg-advent" in line and f"dareg_advent.{name.lower()}" in line
    core = listed(result.stdout, "AdaptSegNet")  # dareg's own next to the plugin's
    assert core is not None and "plugin" not in core


def test_with_automatic_loading_off_the_plugin_is_absent_and_dareg_still_works():
    result = run_python(["-m", "dareg", "list", "algorithms"], disable_plugins=True)
    assert result.returncode == 0, result.stderr
    assert listed(result.stdout, "AdaptSegNet") is not None
    for name in PLUGIN_ALGORITHMS:
        assert listed(result.stdout, name) is None


def test_custom_imports_loads_the_plugin_and_its_absence_gives_the_hint(tmp_path):
    demo = CONFIG_DIR / "advent_synthetic.py"
    with_import = tmp_path / "with_import.py"
    with_import.write_text(
        f"_base_ = [{str(demo)!r}]\ncustom_imports = dict(imports=['dareg_advent'], allow_failed_imports=False)\n"
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
    result = run_python(["-c", script], disable_plugins=True)
    assert result.returncode == 0, result.stderr
    unknown = next(line for line in result.stdout.splitlines() if line.startswith("UNKNOWN:"))
    assert "'AdvEnt'" in unknown and "custom_imports" in unknown and "dareg.plugins" in unknown
    assert "BUILT: AdvEnt" in result.stdout
