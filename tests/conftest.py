"""Shared test set-up: make ``tests/`` importable (toys, fixtures) and keep global state clean."""

from __future__ import annotations

import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

# one thread per test process: -n 2 fills 2 cores (tests that kill a training process start it in a fresh
# interpreter, fixtures/training_process.py, so no thread pool of the test process reaches it)
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def toys():
    """Register the toy algorithm and dataset of ``tests/toys.py`` for one test."""
    import toys as toy_module

    toy_module.register_toys()
    yield toy_module
    toy_module.unregister_toys()


@pytest.fixture
def training_process(tmp_path):
    """Start ``dareg.apis.train(cfg)`` in a fresh interpreter: ``training_process(cfg, new_session=False)``.

    Returns a started :class:`fixtures.training_process.TrainingProcess`; any child still running
    when the test ends is killed.
    """
    from fixtures.training_process import TrainingProcess

    started = []

    def start(cfg, new_session: bool = False):
        process = TrainingProcess(cfg, tmp_path / "children", new_session).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
