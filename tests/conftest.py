"""Shared test set-up: make ``tests/`` importable (toys, fixtures) and keep global state clean."""

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


@pytest.fixture
def toys():
    """Register the toy algorithm and dataset of ``tests/toys.py`` for one test."""
    import toys as toy_module

    toy_module.register_toys()
    yield toy_module
    toy_module.unregister_toys()
