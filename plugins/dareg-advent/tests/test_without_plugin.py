"""dareg without the plugin installed: still working, and a clear error for the plugin's types.

CI runs this file after ``pip uninstall -y dareg-advent``; with the plugin installed it is skipped
(``test_discovery.py`` covers the switched-off case with ``DAREG_NO_PLUGINS=1`` instead).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest
from advent_helpers import CONFIG_DIR

pytestmark = pytest.mark.skipif(
    any(dist.metadata["Name"] == "dareg-advent" for dist in importlib.metadata.distributions()),
    reason="dareg-advent is installed; uninstall it to run these checks",
)


def test_dareg_lists_its_own_algorithms_only():
    result = subprocess.run(
        [sys.executable, "-m", "dareg", "list", "algorithms"], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()]
    assert "AdaptSegNet" in names and "AdvEnt" not in names and "MinEnt" not in names


def test_a_plugin_config_fails_with_the_unknown_type_hint():
    from dareg.registry import UnknownTypeError
    from dareg.utils.config import check_config_types, load_config

    cfg = load_config(str(CONFIG_DIR / "advent_synthetic.py"))
    with pytest.raises(UnknownTypeError) as error:
        check_config_types(cfg)
    message = str(error.value)
    assert "'AdvEnt'" in message and "custom_imports" in message and "dareg.plugins" in message
