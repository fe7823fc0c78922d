"""``dareg new-plugin NAME --task classification|segmentation``: skeletons that pass their own tests.

Each skeleton is written through the CLI, checked for leftover placeholders and lint, then its own
tests run in a subprocess as if it were installed (tests/fixtures/plugin_skeleton.py). The skeleton
installed for real, from dareg's wheel, is tests/test_out_of_tree.py's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.plugin_skeleton import run_skeleton_tests

from dareg import cli
from dareg.scaffold import TASKS, new_plugin, template_files

#: task -> (config written, tests the skeleton has)
EXPECTED = {"classification": ("skel_digits.py", 4), "segmentation": ("skel_streets.py", 5)}


@pytest.mark.parametrize("task", list(TASKS))
def test_skeleton_of_each_task_passes_its_own_tests(task, tmp_path, capsys):
    config, count = EXPECTED[task]
    assert cli.main(["new-plugin", "skel", "--task", task, "--dir", str(tmp_path)]) == 0
    root = tmp_path / "dareg-skel"
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert written == sorted(
        ["README.md", "pyproject.toml", "dareg_skel/__init__.py", "dareg_skel/algorithm.py", "dareg_skel/losses.py"]
        + [f"dareg_skel/configs/{config}", "tests/test_skel.py"]
    )
    out = capsys.readouterr().out
    assert all(f"  {path}\n" in out for path in written) and "registered names carry the prefix 'Skel'" in out
    for path in root.rglob("*"):
        if path.is_file():
            assert "__" not in path.name.replace("__init__", ""), path
            text = path.read_text(encoding="utf-8")
            for placeholder in ("__PKG__", "__EP__", "__DIST__", "__PREFIX__", "__CONFIG__", "__DATA__"):
                assert placeholder not in text, f"{path}: {placeholder} left"
    assert f"dareg train dareg_skel::{config}" in (root / "README.md").read_text()
    result = run_skeleton_tests(root, tmp_path / "site")
    assert result.returncode == 0 and f"{count} passed" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]


def test_skeleton_follows_the_lint_rules_it_declares(tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).is_file():
        pytest.skip("ruff is not installed")
    for task in TASKS:
        root = new_plugin("my-method", tmp_path / task, task)
        result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=root, capture_output=True, text=True)
        assert result.returncode == 0, f"{task}:\n{result.stdout}"


def test_segmentation_skeleton_trains_on_street_scenes_with_a_segmentor(tmp_path):
    root = new_plugin("skel", tmp_path, "segmentation")
    config = (root / "dareg_skel" / "configs" / "skel_streets.py").read_text()
    assert '_base_ = ["dareg::demo/source_only_synthetic.py"]' in config
    assert 'model = dict(type="SkelEntMin"' in config
    algorithm = (root / "dareg_skel" / "algorithm.py").read_text()
    assert '"loss_seg*"' in algorithm and "resize_logits" in algorithm
    assert 'TinySegmentor' in (root / "tests" / "test_skel.py").read_text()


def test_bad_task_or_name_and_existing_folder(tmp_path, capsys):
    with pytest.raises(ValueError, match="task 'detection': choose one of classification, segmentation"):
        template_files("detection")
    with pytest.raises(SystemExit):  # argparse refuses it with the choices
        cli.main(["new-plugin", "x", "--task", "detection"])
    assert "invalid choice: 'detection'" in capsys.readouterr().err
    new_plugin("skel", tmp_path, "segmentation")
    assert cli.main(["new-plugin", "skel", "--task", "segmentation", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"error: dareg new-plugin: {tmp_path / 'dareg-skel'} exists already")
