"""Validation and test loops that evaluate each prediction network of an algorithm (student and teacher).

A self-training algorithm has two networks that can predict: the student, which the optimizer
trains, and its EMA teacher. Its ``predict`` takes ``network=<name>`` for each name of its
``prediction_networks`` (:class:`~dareg.algorithms.base.BaseAlgorithm`). :class:`NetworksValLoop`
runs the validation set once, lets every network predict each batch, feeds each network's
predictions to its own copy of the evaluator, and logs each metric under the network's name
(``student/mIoU``, ``teacher/mIoU``). The ``select``-ed network's metrics are also logged without a
prefix (``mIoU``): that is the score of the model, which hooks that know nothing of networks use
(``BestCheckpointHook(key="mIoU")``, ``CheckpointHook(save_best=...)``, result tables), and the one
whose predictions the per-iteration hooks (visualisation, prediction saving) receive. The default
is the first network, the student, which DACS evaluates (``trainUDA.py:541``) and DAFormer's author
asks to evaluate (DAFormer issue #23)::

    val_cfg = dict(type="NetworksValLoop")                      # every network; select = the student
    val_cfg = dict(type="NetworksValLoop", select="teacher")    # the teacher is the model's score

With ``validators`` (the arguments of :class:`~dareg.engine.validator_loop.ValidatorValLoop`), each
network is also scored by the unsupervised validators, read through that network
(``student/validator/IM``), and the selected network's scores are logged bare (``validator/IM``),
so a checkpoint can be chosen without target labels for either network::

    val_cfg = dict(type="NetworksValLoop", validators=[dict(type="IM"), dict(type="SND")])

:class:`NetworksTestLoop` does the same for ``tools/test.py``; when a config's ``val_cfg`` is a
``NetworksValLoop`` and it has no ``test_cfg``, ``tools/test.py`` tests with a ``NetworksTestLoop``
of the same networks and selection (:func:`dareg.apis.apply_test_options`).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast

from dareg.engine.validator_loop import ValidatorSet
from dareg.registry import LOOPS

#: Defaults of :class:`~dareg.engine.validator_loop.ValidatorSet`'s arguments besides the validators.
VALIDATOR_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(ValidatorSet).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


class _NetworksEvaluation:
    """What the validation and test variants share: one evaluator per network, prefixed metrics."""

    stage = "val"
    validator_set: ValidatorSet | None = None

    def __init__(
        self,
        runner: Any,
        dataloader: Any,
        evaluator: Any,
        networks: Sequence[str] | None = None,
        select: str | None = None,
        fp16: bool = False,
    ) -> None:
        super().__init__(runner, dataloader, copy.deepcopy(evaluator), fp16)
        self._setup_networks(evaluator, networks, select)

    def run(self) -> dict:
        return self._run_networks()

    def _setup_networks(self, evaluator: Any, networks: Sequence[str] | None, select: str | None) -> None:
        model = self._model()
        declared = tuple(getattr(model, "prediction_networks", ()) or ())
        loop = f"{self.stage}_cfg (type={type(self).__name__})"
        if not declared:
            raise ValueError(
                f"{loop}: {type(model).__name__} predicts with one network only (it declares no "
                f"prediction_networks); use type='{'ValLoop' if self.stage == 'val' else 'TestLoop'}'."
            )
        networks = tuple(networks) if networks else declared
        unknown = [name for name in networks if name not in declared]
        if unknown:
            raise ValueError(f"{loop}: networks {unknown} are not among {type(model).__name__}'s {list(declared)}")
        select = networks[0] if select is None else select
        if select not in networks:
            raise ValueError(f"{loop}: select={select!r} is not one of the evaluated networks {list(networks)}")
        self.networks, self.select = networks, select
        self.evaluators = {select: self.evaluator}
        for name in networks:
            if name != select:
                self.evaluators[name] = (
                    copy.deepcopy(evaluator)
                    if isinstance(evaluator, Evaluator)
                    else self.runner.build_evaluator(copy.deepcopy(evaluator))
                )
                self.evaluators[name].dataset_meta = self.evaluator.dataset_meta

    @torch.no_grad()
    def _predict_all(self, idx: int, data_batch: Any) -> None:
        self.runner.call_hook(f"before_{self.stage}_iter", batch_idx=idx, data_batch=data_batch)
        model = self._model()
        step = model.val_step if self.stage == "val" else model.test_step
        selected = None
        for name in self.networks:
            with autocast(enabled=self.fp16):
                outputs = step(data_batch, network=name)
            self.evaluators[name].process(data_samples=outputs, data_batch=data_batch)
            if name == self.select:
                selected = outputs
        self.runner.call_hook(f"after_{self.stage}_iter", batch_idx=idx, data_batch=data_batch, outputs=selected)

    def _model(self) -> Any:
        return self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model

    def _add_scores(self, metrics: dict[str, Any], name: str, scores: dict[str, Any]) -> None:
        """``<network>/<key>`` for every network; bare ``<key>`` too for the selected one."""
        metrics.update({f"{name}/{key}": value for key, value in scores.items()})
        if name == self.select:
            metrics.update(scores)

    def _run_networks(self) -> dict:
        self.runner.call_hook(f"before_{self.stage}")
        self.runner.call_hook(f"before_{self.stage}_epoch")
        self.runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self._predict_all(idx, data_batch)
        metrics: dict[str, Any] = {}
        size = len(self.dataloader.dataset)
        for name in self.networks:
            self._add_scores(metrics, name, self.evaluators[name].evaluate(size))
        if self.validator_set is not None:
            for name in self.networks:
                self._add_scores(metrics, name, self.validator_set.scores(self._model(), network=name))
        self.runner.call_hook(f"after_{self.stage}_epoch", metrics=metrics)
        self.runner.call_hook(f"after_{self.stage}")
        return metrics


@LOOPS.register_module()
class NetworksValLoop(_NetworksEvaluation, ValLoop):
    """``ValLoop`` that evaluates each of the algorithm's prediction networks and logs ``<network>/<metric>``.

    Args:
        runner: The runner.
        dataloader: The labelled evaluation dataloader (as for ``ValLoop``).
        evaluator: Its evaluator config (as for ``ValLoop``); each network gets its own copy.
        networks: Names among the algorithm's ``prediction_networks``. Defaults to all of them.
        select: The network whose metrics are also logged without a prefix (the model's score) and
            whose predictions the iteration hooks see. Defaults to the first of ``networks`` (the
            student).
        fp16: As for ``ValLoop``. Defaults to False.
        validators: Unsupervised validator configs that score each network
            (:class:`~dareg.engine.validator_loop.ValidatorSet`). Defaults to None (none).
        splits: The validators' splits, as for ``ValidatorValLoop``. Defaults to None (the training
            pair's datasets).
        batch_size: Images per forward pass on the splits. Defaults to 256.
        max_samples: At most this many samples per split. Defaults to None (all).
        pixel_stride: Stride of the pixel grid kept from dense logits. Defaults to 8.
        prefix: Prefix of the validators' scores. Defaults to ``"validator"``.
    """

    stage = "val"

    def __init__(
        self,
        runner: Any,
        dataloader: Any,
        evaluator: Any,
        networks: Sequence[str] | None = None,
        select: str | None = None,
        fp16: bool = False,
        validators: Sequence[dict] | None = None,
        splits: dict[str, str | dict] | None = None,
        batch_size: int = 256,
        max_samples: int | None = None,
        pixel_stride: int = 8,
        prefix: str = "validator",
    ) -> None:
        super().__init__(runner, dataloader, evaluator, networks, select, fp16)
        options = dict(splits=splits, batch_size=batch_size, max_samples=max_samples, pixel_stride=pixel_stride)
        options["prefix"] = prefix
        if validators is None:
            given = sorted(key for key, value in options.items() if value != VALIDATOR_DEFAULTS[key])
            if given:
                raise ValueError(
                    f"val_cfg (type=NetworksValLoop): {given} given without validators; add validators=[...] "
                    "(IM, SND, DEV, SourceAccuracy) or remove them."
                )
        else:
            self.validator_set = ValidatorSet(runner.cfg, validators, **options)


@LOOPS.register_module()
class NetworksTestLoop(_NetworksEvaluation, TestLoop):
    """``TestLoop`` that evaluates each of the algorithm's prediction networks (see :class:`NetworksValLoop`).

    Args:
        runner: The runner.
        dataloader: The labelled test dataloader (as for ``TestLoop``).
        evaluator: Its evaluator config; each network gets its own copy.
        networks: Names among the algorithm's ``prediction_networks``. Defaults to all of them.
        select: The network whose metrics are also logged without a prefix. Defaults to the first of
            ``networks`` (the student).
        fp16: As for ``TestLoop``. Defaults to False.
    """

    stage = "test"
