"""Keeps mmengine's logged-scalar histories short, so logging costs the same at iteration 150k as at 1.

mmengine's ``MessageHub`` keeps every logged scalar (each loss, learning rate, timing) in a
``HistoryBuffer`` of up to 1,000,000 values, and ``HistoryBuffer.update`` appends with
``np.append``, which copies the whole history: the cost of logging grows linearly with the iteration
count (measured: ~4 us per value at 1k values, ~70 us at 20k, ~270 us at 150k; with 15 logged
scalars that is ~4 ms per iteration late in a 150k-iteration AdaptSegNet run). The histories are
also saved in every checkpoint. Only the last ``window_size`` values (10 by default) are ever read
by the log processor, so :class:`LogHistoryLimitHook` caps each buffer at ``max_length`` values.
"""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook
from mmengine.logging import print_log

from dareg.registry import HOOKS


def _window_sizes(log_processor: Any) -> list[Any]:
    sizes = [getattr(log_processor, "window_size", 10)]
    for entry in getattr(log_processor, "custom_cfg", None) or []:
        if isinstance(entry, dict) and "window_size" in entry:
            sizes.append(entry["window_size"])
    return sizes


@HOOKS.register_module()
class LogHistoryLimitHook(Hook):
    """Cap every ``MessageHub`` scalar history at ``max_length`` values.

    Does nothing (and says so) when the log processor smooths over the ``"global"`` window, which
    needs the whole history; otherwise ``max_length`` is raised to the largest window if needed.

    Args:
        max_length: Values kept per scalar. Defaults to 1000.
    """

    priority = "LOWEST"

    def __init__(self, max_length: int = 1000) -> None:
        if max_length < 1:
            raise ValueError(f"LogHistoryLimitHook: max_length must be >= 1, got {max_length}")
        self.max_length = max_length
        self.enabled = True
        self._known = 0

    def before_train(self, runner: Any) -> None:
        sizes = _window_sizes(getattr(runner, "log_processor", None))
        if any(not isinstance(size, int) for size in sizes):
            self.enabled = False
            print_log(
                "LogHistoryLimitHook: the log processor uses a 'global' window, which needs every logged value; "
                "histories are not limited.",
                logger="current",
            )
            return
        self.max_length = max(self.max_length, *sizes)
        self.limit(runner)

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if self.enabled and len(runner.message_hub.log_scalars) != self._known:
            self.limit(runner)

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        if self.enabled:
            self.limit(runner)

    def limit(self, runner: Any) -> None:
        """Cap the buffers that exist now (new ones are picked up when they appear)."""
        scalars = runner.message_hub.log_scalars
        for buffer in scalars.values():
            if buffer.max_length > self.max_length:
                buffer.max_length = self.max_length
            if len(buffer._log_history) > buffer.max_length:
                buffer._log_history = buffer._log_history[-buffer.max_length :]
                buffer._count_history = buffer._count_history[-buffer.max_length :]
        self._known = len(scalars)
