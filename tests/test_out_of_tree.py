"""dareg installed from its wheel, used from outside the checkout: configs, plugins, new-plugin.

One scratch environment per module (tests/fixtures/scratch_env.py): a wheel built from the
checkout is installed into it, and its interpreter sees this environment's torch, mmengine ...
but not the editable dareg. Everything runs with the working directory outside the checkout.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from fixtures.plugin_skeleton import run_skeleton_tests
from fixtures.scratch_env import ROOT, pip_install, run, scratch_env_with_dareg

from dareg.scaffold import new_plugin


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Path:
    return scratch_env_with_dareg(tmp_path_factory.mktemp("scratch"))


def check(result) -> str:
    output = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"exit {result.returncode}\n{output}"
    return result.stdout


PROBE = """
import dareg
from dareg.utils.config_paths import installed_configs, resolve_config
print(dareg.__file__)
print(" ".join(installed_configs()))
try:
    resolve_config("dareg::demo/source_only_digit.py")
except FileNotFoundError as error:
    print(error)
"""


def test_the_wheel_is_what_is_imported_and_ships_every_config(env, tmp_path):
    location, configs, missing = check(run(env, "-c", PROBE, cwd=tmp_path)).splitlines()[:3]
    assert location.startswith(str(env.parents[1])), f"dareg imported from {location}, not the scratch venv"
    built_from = env.parents[2] / "build" / "src" / "configs"  # the checkout's configs/ when the wheel was built
    in_checkout = {"dareg::" + p.relative_to(built_from).as_posix() for p in built_from.rglob("*.py")}
    assert len(in_checkout) > 50 and set(configs.split()) == in_checkout
    assert "Did you mean: dareg::demo/source_only_digits.py" in missing


PLUGIN = '''
from dareg.algorithms import SourceOnly
from dareg.registry import ALGORITHMS


@ALGORITHMS.register_module()
class OutOfTreeSourceOnly(SourceOnly):
    """SourceOnly, registered by a plugin module that lives outside the dareg checkout."""
'''

CONFIG = '''
_base_ = ["dareg::demo/source_only_digits.py"]
custom_imports = dict(imports=["out_of_tree_plugin"], allow_failed_imports=False)
model = dict(type="OutOfTreeSourceOnly")
train_cfg = dict(max_iters=2, val_interval=100)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
'''


def test_plugin_config_inheriting_an_installed_config_trains_from_the_wheel(env, tmp_path):
    (tmp_path / "out_of_tree_plugin.py").write_text(textwrap.dedent(PLUGIN))
    (tmp_path / "config.py").write_text(textwrap.dedent(CONFIG))
    result = run(env, "dareg", "train", "config.py", "--work-dir", "work", cwd=tmp_path, PYTHONPATH=str(tmp_path))
    check(result)
    assert (tmp_path / "work" / "iter_2.pth").is_file()
    log = result.stdout + result.stderr
    assert "Iter(train) [2/2]" in log and "dareg plugins:" in log


FILES = """
import importlib.metadata
print("\\n".join(str(f) for f in importlib.metadata.files("dareg")))
"""


def test_the_tutorials_code_ships_in_the_wheel_and_examples_copies_it_out(env, tmp_path):
    """Every plugins/ file the plugin tutorial includes is in the wheel, and `dareg examples` copies the plugin."""
    shipped = set(check(run(env, "-c", FILES, cwd=tmp_path)).split())
    tutorial = (ROOT / "docs" / "tutorials" / "plugin.md").read_text(encoding="utf-8")
    included = sorted(set(re.findall(r"```\{literalinclude\} \.\./\.\./plugins/(\S+)", tutorial)))
    assert len(included) >= 10
    assert [path for path in included if f"dareg/.mim/plugins/{path}" not in shipped] == []
    check(run(env, "dareg", "examples", "dareg-advent", "--dir", "copy", cwd=tmp_path))
    for path in included:
        assert (tmp_path / "copy" / path).read_bytes() == (ROOT / "plugins" / path).read_bytes(), path
    assert not any("egg-info" in name for name in shipped if ".mim/plugins" in name)


def test_segmentation_skeleton_from_the_wheel_passes_its_own_tests(env, tmp_path):
    """`dareg new-plugin --task segmentation` of the installed wheel (its templates are package data)."""
    check(run(env, "dareg", "new-plugin", "wheelseg", "--task", "segmentation", cwd=tmp_path))
    result = run_skeleton_tests(tmp_path / "dareg-wheelseg", tmp_path / "site", python=str(env), dareg_path=None)
    assert "5 passed" in check(result)


def test_new_plugin_skeleton_installs_registers_trains_and_passes_its_own_tests(env, tmp_path):
    """Its tests check the entry-point registration and train its config 2 iterations (with a resume)."""
    root = new_plugin("skel", tmp_path)
    pip_install(env, "--no-build-isolation", "-e", str(root))
    tests = check(run(env, "-m", "pytest", "-p", "no:cacheprovider", "tests", cwd=root))
    assert "4 passed" in tests
