"""Training one config over several seeds, each exactly as ``tools/train.py`` would.

Orchestration lives here, in ``apis/``; reading back and summarising the runs is
:mod:`dareg.analysis.seeds`.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence


def seed_work_dir(root: str, seed: int) -> str:
    """The work directory of one seed under ``root``."""
    return os.path.join(root, f"seed_{seed}")


def train_seeds(
    config: str,
    seeds: Sequence[int],
    root: str,
    cfg_options: dict | None = None,
    amp: bool = False,
    resume: bool = False,
) -> list[str]:
    """Train ``config`` once per seed, exactly as ``tools/train.py`` does; return the work dirs.

    Each run is ``load_config`` with ``--cfg-options randomness.seed=N``, ``apply_run_options`` with
    the work directory ``<root>/seed_<N>``, then ``train``.

    Args:
        config: Config file.
        seeds: Seeds, each set as ``randomness.seed``.
        root: Parent of the per-seed work directories.
        cfg_options: Further overrides (``--cfg-options``).
        amp: Mixed precision.
        resume: Resume each seed from its latest checkpoint (finished seeds are skipped quickly).
    """
    from dareg.apis.train import apply_run_options, train
    from dareg.utils.config import load_config

    work_dirs = []
    for seed in seeds:
        options = dict(cfg_options or {})
        options["randomness.seed"] = int(seed)
        cfg = load_config(config, options)
        work_dir = seed_work_dir(root, seed)
        apply_run_options(cfg, config, work_dir=work_dir, amp=amp, resume="auto" if resume else None)
        # mmengine names its global MessageHub and Visualizer after the experiment, by default
        # "<config>_<timestamp to the second>": two seeds starting within a second would share them
        name = os.path.splitext(os.path.basename(config))[0]
        cfg.experiment_name = f"{name}_seed{seed}_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
        train(cfg)
        work_dirs.append(work_dir)
    return work_dirs
