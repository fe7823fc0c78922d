"""The ``dareg`` command."""

from __future__ import annotations

import subprocess
import sys

from dareg.cli import main


def test_list_one_kind_shows_only_that_kind(capsys):
    assert main(["list", "losses"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("losses (")
    assert "GANLoss" in out and "dareg" in out
    assert "SourceOnly" not in out


def test_list_accepts_singular_and_rejects_unknown_kind(capsys):
    assert main(["list", "algorithm"]) == 0
    assert "SourceOnly" in capsys.readouterr().out
    try:
        main(["list", "bakbones"])
    except SystemExit as error:
        assert "Did you mean: backbones" in str(error)
    else:
        raise AssertionError("unknown kind accepted")


def test_info_shows_signature_origin_and_summary(capsys):
    assert main(["info", "GANLoss"]) == 0
    out = capsys.readouterr().out
    assert "GANLoss(mode: 'str' = 'vanilla', loss_weight: 'float' = 1.0)" in out
    assert "origin: dareg" in out and "kind:   loss" in out


def test_info_unknown_name_suggests(capsys):
    assert main(["info", "GanLoss"]) == 1
    assert "Did you mean: GANLoss" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "dareg", "list", "loops"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ResumableIterBasedTrainLoop" in result.stdout
