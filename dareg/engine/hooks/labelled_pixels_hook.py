"""Stops a run whose supervised loss has had no labelled pixel for many iterations in a row.

When every pixel of the source labels is the ignore index (a wrong label map turned them all into
255, a crop that always lands on void, an ``ignore_index`` that matches the classes), the
cross-entropy is 0 and trains nothing, yet the run goes on for days and exits 0 with
``loss_seg: 0.0000`` in the log. :class:`LabelledPixelsHook` counts, after every training
iteration, the iterations in a row in which a :class:`~dareg.models.losses.CrossEntropyLoss` of the
model was called and never saw a labelled pixel, and stops the run with an explanation when that
count reaches ``max_iters_without_labels``.

Pseudo-label losses (:class:`~dareg.models.losses.PseudoLabelCrossEntropyLoss`, whose
``pseudo_labels`` is True) are told apart: their labels come from a teacher, and an iteration in
which no teacher prediction reached the confidence threshold legitimately leaves them without a
weighted pixel (self-training starts that way). Such runs are logged as a warning, every
``max_iters_without_labels`` iterations of the run, and training goes on.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from dareg.models.losses.cross_entropy import CrossEntropyLoss
from dareg.registry import HOOKS


class NoLabelledPixelsError(RuntimeError):
    """A supervised loss saw no labelled pixel for ``max_iters_without_labels`` iterations in a row."""


@HOOKS.register_module()
class LabelledPixelsHook(Hook):
    """Stop training when a supervised loss has had no labelled pixel for too many iterations in a row.

    Watches every :class:`~dareg.models.losses.CrossEntropyLoss` inside the model (for example a
    segmentor's ``loss_seg``), which counts its calls with and without a labelled pixel. An
    iteration in which such a loss was called and every label it saw was its ``ignore_index``
    extends that loss's run of empty iterations; one labelled pixel ends it; an iteration that does
    not call the loss leaves it as it is. When a run reaches ``max_iters_without_labels``, the hook
    raises :class:`NoLabelledPixelsError` naming the loss, the number of iterations, the logged losses
    that stayed at 0, and what to check. Under distributed training the ranks' counts are combined
    (an iteration counts as empty when no rank saw a labelled pixel), so every rank stops together.

    A pseudo-label loss (``pseudo_labels = True``: no pixel with a label and a positive weight means
    that no teacher prediction was confident enough, not that supervision is missing) never stops
    the run; its runs of empty iterations are logged as a warning instead.

    Args:
        max_iters_without_labels: Length of the run of empty iterations that stops training; None
            or 0 switches the check off. Defaults to 50.
    """

    priority = "ABOVE_NORMAL"

    def __init__(self, max_iters_without_labels: int | None = 50) -> None:
        if max_iters_without_labels is not None and max_iters_without_labels < 0:
            raise ValueError(
                f"LabelledPixelsHook: max_iters_without_labels must be a positive number of iterations, or None "
                f"to switch the check off; got {max_iters_without_labels}"
            )
        self.max_iters_without_labels = max_iters_without_labels or 0
        self._losses: list[tuple[str, CrossEntropyLoss]] = []
        self._streaks: list[int] = []
        self._zero_keys: list[set[str] | None] = []

    def before_train(self, runner: Any) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._losses = [(name, loss) for name, loss in model.named_modules() if isinstance(loss, CrossEntropyLoss)]
        self._streaks = [0] * len(self._losses)
        self._zero_keys = [None] * len(self._losses)
        for _, loss in self._losses:
            loss.labelled_calls = loss.unlabelled_calls = 0

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if not self.max_iters_without_labels or not self._losses:
            return
        counts = torch.tensor(
            [[float(loss.labelled_calls > 0), float(loss.unlabelled_calls > 0)] for _, loss in self._losses]
        )
        for _, loss in self._losses:
            loss.labelled_calls = loss.unlabelled_calls = 0
        if is_distributed():
            all_reduce(counts, op="max")
        zero_keys = None  # read from the logged losses only in an empty iteration (a float() per loss)
        for index, (labelled, unlabelled) in enumerate(counts.tolist()):
            if labelled:
                self._streaks[index], self._zero_keys[index] = 0, None
            elif unlabelled:
                if zero_keys is None:
                    zero_keys = self._zero_loss_keys(outputs)
                self._streaks[index] += 1
                previous = self._zero_keys[index]
                self._zero_keys[index] = zero_keys if previous is None else previous & zero_keys
                if self._streaks[index] < self.max_iters_without_labels:
                    continue
                loss = self._losses[index][1]
                if not getattr(loss, "pseudo_labels", False):
                    raise NoLabelledPixelsError(self._explain(runner, index))
                if self._streaks[index] % self.max_iters_without_labels == 0:
                    print_log(self._explain_pseudo(runner, index), logger="current", level=logging.WARNING)

    @staticmethod
    def _zero_loss_keys(outputs: Any) -> set[str]:
        """The logged losses of this iteration that are exactly 0."""
        if not isinstance(outputs, dict):
            return set()
        keys = set()
        for key, value in outputs.items():
            if "loss" not in key or not isinstance(value, (torch.Tensor, float, int)):
                continue
            if float(value.detach().sum() if isinstance(value, torch.Tensor) else value) == 0.0:
                keys.add(key)
        return keys

    def _explain_pseudo(self, runner: Any, index: int) -> str:
        name, loss = self._losses[index]
        return (
            f"Iteration {runner.iter + 1}: the pseudo-label loss '{name}' ({type(loss).__name__}) has had no pixel "
            f"with a label and a positive weight for {self._streaks[index]} iterations in a row: no teacher "
            "prediction reached the confidence threshold (or every pixel was ignored). This is expected early in "
            "self-training and training goes on; if it lasts, check the teacher (is it updated, does it predict "
            "the target well?) and the pseudo-label threshold."
        )

    def _explain(self, runner: Any, index: int) -> str:
        name, loss = self._losses[index]
        count = self._streaks[index]
        zero = sorted(self._zero_keys[index] or ())
        logged = f" (logged as {', '.join(f'{key}=0.0000' for key in zero)})" if zero else ""
        return (
            f"Training stopped after iteration {runner.iter + 1}: the supervised loss '{name}' "
            f"({type(loss).__name__}, ignore_index={loss.ignore_index}) has seen no labelled pixel for {count} "
            f"iterations in a row, so it was 0 and trained nothing{logged}: every label of those batches was "
            f"the ignore index {loss.ignore_index}. Check the labels: the label files and the dataset's label map "
            "(label_type, seg_suffix, label_lut), that the dataset and the loss use the same ignore_index, and "
            "that crops or padding (seg_pad_value) do not leave only ignored pixels (look at a few samples: "
            "dataset[i]['data_samples']['gt_seg'] of the source training set). If long runs of unlabelled "
            "batches are expected, raise default_hooks.labelled_pixels.max_iters_without_labels (None switches "
            "the check off)."
        )
