"""An iteration-based train loop that resumes by seeking the sampler instead of replaying data."""

from __future__ import annotations

import logging

from mmengine.dist import get_world_size
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from dareg.engine.hooks.resume_lr_hook import ResumeChangeError
from dareg.engine.network_loops import NetworksTestLoop, NetworksValLoop  # noqa: F401  (registers them in LOOPS)
from dareg.engine.validator_loop import ValidatorValLoop  # noqa: F401  (registers it in LOOPS)
from dareg.registry import LOOPS

#: Message-hub keys (saved in checkpoints): samples of all ranks trained on so far, and per iteration.
STREAM_POSITION = "stream_position"
SAMPLES_PER_ITERATION = "samples_per_iteration"


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's ``IterBasedTrainLoop`` with an O(1), exact resume.

    On resume, mmengine's loop reads and transforms every batch already trained on (hours at
    iteration 100k of GTA5) to advance the dataloader. When the sampler supports it (dareg's
    :class:`~dareg.datasets.samplers.StreamSampler`), this loop moves the sampler to the resumed
    position instead, and rebuilds the dataloader iterator; because stream samples carry their own
    seeds, the batches are the ones the uninterrupted run saw. Other samplers fall back to mmengine's
    replay. Arguments are those of ``IterBasedTrainLoop``.

    The position in the stream is kept in samples (of all ranks), in the checkpoint: a run resumed
    with another batch size (or number of ranks) continues after the samples already trained on,
    neither repeating nor skipping any, and says so in one line. A sampler that cannot seek can only
    replay whole batches, so there a changed batch size fails with ``ResumeChangeError``.
    """

    def _sampler(self):
        loader = self.dataloader
        sampler = getattr(loader, "sampler", None)
        if not hasattr(sampler, "set_start") and getattr(loader, "batch_sampler", None) is not None:
            sampler = getattr(loader.batch_sampler, "sampler", None)
        return sampler if hasattr(sampler, "set_start") else None

    def samples_per_iteration(self) -> int:
        """Samples of all ranks in one iteration: the batch size times the number of ranks."""
        return int(self.dataloader.batch_size or 0) * get_world_size()

    def seek(self, iteration: int) -> None:
        """Position the data stream at the start of ``iteration``, after the samples trained on so far."""
        hub = self.runner.message_hub
        per_iteration = self.samples_per_iteration()
        saved_per_iteration = hub.get_info(SAMPLES_PER_ITERATION, per_iteration)
        self.stream_position = hub.get_info(STREAM_POSITION, iteration * per_iteration)  # older checkpoints: batches
        sampler = self._sampler()
        if sampler is None or not hasattr(sampler, "seek"):
            if saved_per_iteration != per_iteration:
                raise ResumeChangeError(
                    f"The checkpoint's run trained on {saved_per_iteration} samples per iteration (batch size x ranks) "
                    f"and this one would on {per_iteration}, but its sampler "
                    f"({type(sampler or self.dataloader.sampler).__name__}) can only replay whole batches, so samples "
                    "would be trained twice or skipped. Resume with the checkpoint's batch size and number of ranks, "
                    "or use sampler=dict(type='StreamSampler'), which continues by samples."
                )
            if sampler is not None:
                sampler.set_start(iteration * self.dataloader.batch_size)
                self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
                return
            print_log(
                f"Replaying {iteration} batches to resume (the sampler cannot seek; use "
                "sampler=dict(type='StreamSampler') for an instant, exact resume).",
                logger="current",
                level=logging.WARNING,
            )
            for _ in range(iteration):
                next(self.dataloader_iterator)
            return
        if saved_per_iteration != per_iteration:
            print_log(
                f"Resuming at iteration {iteration} with {per_iteration} samples per iteration (batch size x ranks), "
                f"where the checkpoint's run had {saved_per_iteration}: the sample stream continues at sample "
                f"{self.stream_position}, after the samples already trained on.",
                logger="current",
                level=logging.WARNING,
            )
        sampler.seek(self.stream_position)
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)

    def _advance_stream(self) -> None:
        """Count this iteration's samples into the stream position that checkpoints keep."""
        per_iteration = self.samples_per_iteration()
        self.stream_position += per_iteration
        self.runner.message_hub.update_info(STREAM_POSITION, self.stream_position)
        self.runner.message_hub.update_info(SAMPLES_PER_ITERATION, per_iteration)

    def run(self):
        self.runner.call_hook("before_train")
        self.runner.call_hook("before_train_epoch")
        self.stream_position = 0
        if self._iter > 0:
            self.seek(self._iter)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self._advance_stream()  # before the iteration's hooks, which may save a checkpoint
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
