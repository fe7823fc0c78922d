"""An iteration-based train loop that resumes by seeking the sampler instead of replaying data."""

from __future__ import annotations

import logging

from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from dareg.engine.network_loops import NetworksTestLoop, NetworksValLoop  # noqa: F401  (registers them in LOOPS)
from dareg.engine.validator_loop import ValidatorValLoop  # noqa: F401  (registers it in LOOPS)
from dareg.registry import LOOPS


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's ``IterBasedTrainLoop`` with an O(1), exact resume.

    On resume, mmengine's loop reads and transforms every batch already trained on (hours at
    iteration 100k of GTA5) to advance the dataloader. When the sampler supports it (dareg's
    :class:`~dareg.datasets.samplers.StreamSampler`), this loop moves the sampler to the resumed
    position instead, and rebuilds the dataloader iterator; because stream samples carry their own
    seeds, the batches are the ones the uninterrupted run saw. Other samplers fall back to mmengine's
    replay. Arguments are those of ``IterBasedTrainLoop``.
    """

    def _sampler(self):
        loader = self.dataloader
        sampler = getattr(loader, "sampler", None)
        if not hasattr(sampler, "set_start") and getattr(loader, "batch_sampler", None) is not None:
            sampler = getattr(loader.batch_sampler, "sampler", None)
        return sampler if hasattr(sampler, "set_start") else None

    def seek(self, iteration: int) -> None:
        """Position the data stream at the start of ``iteration``."""
        sampler = self._sampler()
        if sampler is None:
            print_log(
                f"Replaying {iteration} batches to resume (the sampler cannot seek; use "
                "sampler=dict(type='StreamSampler') for an instant, exact resume).",
                logger="current",
                level=logging.WARNING,
            )
            for _ in range(iteration):
                next(self.dataloader_iterator)
            return
        sampler.set_start(iteration * self.dataloader.batch_size)
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)

    def run(self):
        self.runner.call_hook("before_train")
        self.runner.call_hook("before_train_epoch")
        if self._iter > 0:
            self.seek(self._iter)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (
                self.runner.val_loop is not None
                and self._iter >= self.val_begin
                and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)
            ):
                self.runner.val_loop.run()
        self.runner.call_hook("after_train_epoch")
        self.runner.call_hook("after_train")
        return self.runner.model
