"""Test set-up of the plugin: make the helpers importable, keep CPU threads few."""

from __future__ import annotations

import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
# one thread per test process: the tests that fork a training process (SIGKILL mid-save, preemption) hang
# or time out when the parent already runs a multi-threaded OpenMP pool (fork-unsafe), and -n 2 fills 2 cores
os.environ.setdefault("OMP_NUM_THREADS", "1")

from advent_helpers import TINY_SEGMENTOR  # noqa: E402


@pytest.fixture
def tiny_segmentor() -> dict:
    """Config of a tiny two-level segmentor (5 classes)."""
    return dict(TINY_SEGMENTOR)
