"""Test set-up of the plugin: make the helpers importable, import the plugin, keep CPU threads few."""

from __future__ import annotations

import os
import sys

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
# one thread per test process: -n 2 fills two cores, and forked training processes hang on a live OpenMP pool
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Registers DACS, DAFormer and MIC even where the package is on the path but not installed (no entry point).
import dareg_selftrain  # noqa: E402, F401
