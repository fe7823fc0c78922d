"""The training-speed benchmark: the framework against hand-written PyTorch loops.

``tools/benchmark.py`` is its command line. :mod:`~dareg.benchmark.runner` trains a config through
the real Runner and times each iteration (and the plain loop on the same batch);
:mod:`~dareg.benchmark.baselines` holds one plain loop per algorithm; :mod:`~dareg.benchmark.report`
turns the times into overhead ratios with confidence intervals; :mod:`~dareg.benchmark.synthetic`
makes random in-memory data of a config's sizes.
"""

from dareg.benchmark.baselines import BASELINES, PlainLoop, find_baseline, register_baseline
from dareg.benchmark.report import BenchmarkReport
from dareg.benchmark.runner import benchmark_training, load_benchmark_config, run_memory_child

__all__ = [
    "BASELINES",
    "BenchmarkReport",
    "PlainLoop",
    "benchmark_training",
    "find_baseline",
    "load_benchmark_config",
    "register_baseline",
    "run_memory_child",
]
