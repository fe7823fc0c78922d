"""Plain PyTorch training loops, one per algorithm, for ``tools/benchmark.py --baseline``.

Each does by hand, on the algorithm's own sub-networks, what one ``train_step`` of the algorithm
does; see :mod:`dareg.benchmark.baselines.base` for the contract and :func:`register_baseline`.
"""

from dareg.benchmark.baselines import classification, features, segmentation, translation  # noqa: F401  (registers)
from dareg.benchmark.baselines.base import (
    BASELINES,
    ENTRY_POINT_GROUP,
    PlainLoop,
    find_baseline,
    frozen,
    gan_loss,
    register_baseline,
)

__all__ = ["BASELINES", "ENTRY_POINT_GROUP", "PlainLoop", "find_baseline", "frozen", "gan_loss", "register_baseline"]
