"""Keep the checkpoint with the best score of one metric or validator, across resumes.

mmengine's ``CheckpointHook(save_best=...)`` keeps its best score in the message hub, which is saved
with the *periodic* checkpoint; that checkpoint is written before the validation of the same
iteration, so a run resumed from it has forgotten the last best score and may overwrite the best
checkpoint with a worse one. :class:`BestCheckpointHook` records the best score, its iteration and its
file in ``<work_dir>/best_checkpoints.json`` instead, written atomically after every improvement and
read back when the run (or a resumed run) starts.

Each watched key has one file, ``best_<key>.pth`` (``/`` becomes ``_``), replaced atomically (written
under a temporary name, then renamed over it) when the score improves. The hook deletes nothing
else, so the latest periodic checkpoint (the one ``--resume`` needs) is never touched.
"""

from __future__ import annotations

import json
import math
import os
import os.path as osp
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from dareg.registry import HOOKS

RECORD_FILE = "best_checkpoints.json"


def best_checkpoint_name(key: str) -> str:
    """The file name of the best checkpoint of ``key`` (``validator/IM`` -> ``best_validator_IM.pth``)."""
    return "best_" + "".join(c if c.isalnum() or c in "-_." else "_" for c in key) + ".pth"


def read_records(work_dir: str) -> dict[str, dict]:
    """The best-checkpoint records of a work directory (empty when there are none)."""
    path = osp.join(work_dir, RECORD_FILE)
    if not osp.isfile(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


def write_records(work_dir: str, records: dict[str, dict]) -> None:
    """Write the records atomically (temporary file, then rename)."""
    path = osp.join(work_dir, RECORD_FILE)
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w") as handle:
        json.dump(records, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


@HOOKS.register_module()
class BestCheckpointHook(Hook):
    """Save ``best_<key>.pth`` whenever validation improves ``key`` (a metric or a validator score).

    Args:
        key: Logged name of the score (``"validator/IM"``, ``"accuracy"``, ``"mIoU"`` ...).
        rule: ``"greater"`` or ``"less"``: which way is better. Defaults to ``"greater"`` (every
            validator is higher-is-better).
        save_optimizer: Also store the optimizer and scheduler states. Defaults to False (the best
            checkpoint is for evaluation and deployment; resuming uses the periodic ones).

    Examples:
        >>> hook = BestCheckpointHook("validator/IM")
        >>> best_checkpoint_name(hook.key)
        'best_validator_IM.pth'
    """

    priority = "LOW"

    def __init__(self, key: str, rule: str = "greater", save_optimizer: bool = False) -> None:
        if rule not in ("greater", "less"):
            raise ValueError(f"BestCheckpointHook: rule must be 'greater' or 'less', got {rule!r}")
        self.key = key
        self.rule = rule
        self.save_optimizer = save_optimizer
        self.filename = best_checkpoint_name(key)
        self.best: dict | None = None

    def before_run(self, runner: Any) -> None:
        # a resumed run (or one started again in the same work_dir) continues from what was recorded
        self.best = read_records(runner.work_dir).get(self.key)

    def is_better(self, score: float) -> bool:
        """Whether ``score`` beats the recorded best (any finite score beats none)."""
        if not math.isfinite(score):
            return False
        if self.best is None:
            return True
        return score > self.best["score"] if self.rule == "greater" else score < self.best["score"]

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        if not metrics or self.key not in metrics:
            if metrics:
                print_log(
                    f"BestCheckpointHook: '{self.key}' was not logged by this validation (logged: {sorted(metrics)})",
                    logger="current",
                )
            return
        score = float(metrics[self.key])
        if not self.is_better(score):
            return
        iteration = int(runner.iter)
        self.best = {"score": score, "iter": iteration, "file": self.filename, "rule": self.rule}
        temporary = f"{self.filename}.tmp.pth"
        # on every rank, as mmengine's hooks do (only rank 0 writes): saving gathers every rank's random state
        runner.save_checkpoint(
            runner.work_dir,
            temporary,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_optimizer,
            meta=dict(best_key=self.key, best_score=score),
            by_epoch=False,
        )
        if not is_main_process():
            return
        os.replace(osp.join(runner.work_dir, temporary), osp.join(runner.work_dir, self.filename))
        records = read_records(runner.work_dir)
        records[self.key] = self.best
        write_records(runner.work_dir, records)
        print_log(f"best {self.key} so far: {score:.4f} at iteration {iteration} -> {self.filename}", logger="current")
