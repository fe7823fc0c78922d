"""A validation loop that also scores the model with unsupervised validators.

mmengine's ``ValLoop`` evaluates one dataloader (dareg's: the labelled target split, whose accuracy
is *oracle* information in unsupervised adaptation). :class:`ValidatorValLoop` runs that evaluation
unchanged, then runs the model over a few more named splits (the unlabelled target training split,
the source training and validation splits), hands what it collected to the configured validators
(:mod:`dareg.evaluation.validators`), and logs their scores beside the metrics as
``validator/<name>`` (``after_val_epoch`` receives them, so the logger, TensorBoard and
:class:`~dareg.engine.hooks.BestCheckpointHook` see them like any metric).

Validators never change training: the extra splits are read by plain sequential dataloaders
(no sampler seeding), and the global random states are restored after the validators ran.

Example::

    val_cfg = dict(
        type="ValidatorValLoop",
        validators=[dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy")],
        # source_train and target_train default to the training pair's two datasets; a split is a
        # dataset config, a dotted key of this config, or such a key with overrides:
        splits=dict(source_val=dict(like="train_dataloader.dataset.source", split="test")),
    )
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop
from mmengine.runner.loops import _parse_losses

from dareg.registry import DATASETS, LOOPS, VALIDATORS
from dareg.utils.random_state import capture_random_state, restore_random_state

#: The domain of each split's images.
SPLIT_DOMAINS = {"source_train": "source", "source_val": "source", "target_train": "target"}

#: Splits read from the training pair unless ``splits`` says otherwise (there is no default source
#: validation split: datasets name it differently).
DEFAULT_SPLITS = {"source_train": "train_dataloader.dataset.source", "target_train": "train_dataloader.dataset.target"}


def resolve_split(cfg: Any, spec: str | dict, name: str) -> dict:
    """The dataset config of a split: a dotted config key, ``dict(like=KEY, **overrides)`` or a config.

    Raises:
        KeyError: A dotted key does not exist in the config (the message lists what does).
    """
    overrides: dict = {}
    if isinstance(spec, dict) and "like" in spec:
        overrides = {k: v for k, v in spec.items() if k != "like"}
        spec = spec["like"]
    if isinstance(spec, str):
        node: Any = cfg
        for part in spec.split("."):
            if not hasattr(node, "keys") or part not in node:
                known = sorted(node.keys()) if hasattr(node, "keys") else []
                raise KeyError(f"val_cfg.splits.{name}: the config has no '{part}' in '{spec}' (found: {known})")
            node = node[part]
        spec = node
    if not isinstance(spec, dict) or "type" not in spec:
        raise ValueError(f"val_cfg.splits.{name} must name a dataset config (a dict with a 'type'), got {spec!r}")
    dataset_cfg = copy.deepcopy(dict(spec))
    dataset_cfg.update(overrides)
    return dataset_cfg


class ValidatorSet:
    """Unsupervised validators and the splits they read, scored on a model (see the module doc).

    Every split goes through the network that makes target predictions
    (:func:`dareg.evaluation.features.extract_feat` with ``domain="target"``, or the prediction
    network named in :meth:`scores`): a validator scores the model that would be deployed on the
    target domain. Dense (segmentation) logits become one row per pixel on a regular grid
    (``pixel_stride``). The splits' datasets are resolved when the set is built, so a missing or
    misspelt split fails before training; they are loaded on first use.

    Args:
        cfg: The run's config (dotted split keys are looked up in it).
        validators: Validator configs (``VALIDATORS``: ``IM``, ``SND``, ``DEV``, ``SourceAccuracy`` ...).
        splits: Split name (``source_train``, ``source_val``, ``target_train``) -> dataset config, dotted
            key of this config, or ``dict(like=KEY, **overrides)``. Only the splits the validators
            need are read. Defaults to the training pair's datasets for ``source_train`` and
            ``target_train`` (:data:`DEFAULT_SPLITS`).
        batch_size: Images per forward pass on the splits. Defaults to 256.
        max_samples: At most this many samples per split (the first ones). Defaults to None (all).
        pixel_stride: Stride of the pixel grid kept from dense logits. Defaults to 8.
        prefix: Prefix of the logged scores. Defaults to ``"validator"``.
    """

    def __init__(
        self,
        cfg: Any,
        validators: Sequence[dict],
        splits: dict[str, str | dict] | None = None,
        batch_size: int = 256,
        max_samples: int | None = None,
        pixel_stride: int = 8,
        prefix: str = "validator",
    ) -> None:
        self.validators = [VALIDATORS.build(validator_cfg) for validator_cfg in validators]
        keys = [validator.key for validator in self.validators]
        if not keys:
            raise ValueError("val_cfg.validators is empty: name at least one validator (IM, SND, DEV ...)")
        if len(set(keys)) != len(keys):
            raise ValueError(f"val_cfg.validators: two validators log under the same name ({keys})")
        splits = {**DEFAULT_SPLITS, **(splits or {})}
        unknown = sorted(set(splits) - set(SPLIT_DOMAINS))
        if unknown:
            raise KeyError(f"val_cfg.splits: unknown split names {unknown}; known: {sorted(SPLIT_DOMAINS)}")
        needed = sorted({name for validator in self.validators for name in validator.requires})
        missing = [name for name in needed if name not in splits]
        if missing:
            raise KeyError(
                f"val_cfg.splits lacks {missing}, which the validators {keys} need; give each as a dataset "
                "config or a dotted config key (e.g. source_train='train_dataloader.dataset.source')."
            )
        self.split_datasets = {name: resolve_split(cfg, splits[name], name) for name in needed}
        self.batch_size = batch_size
        self.max_samples = max_samples
        self.pixel_stride = pixel_stride
        self.prefix = prefix
        self._loaders: dict[str, torch.utils.data.DataLoader] | None = None

    def split_loaders(self) -> dict[str, torch.utils.data.DataLoader]:
        """Sequential single-process dataloaders of the needed splits (built once, on first use)."""
        if self._loaders is None:
            from dareg.datasets.collate import domain_collate

            self._loaders = {
                name: torch.utils.data.DataLoader(
                    DATASETS.build(cfg), batch_size=self.batch_size, shuffle=False, collate_fn=domain_collate
                )
                for name, cfg in self.split_datasets.items()
            }
        return self._loaders

    def dense_to_rows(self, logits: torch.Tensor) -> torch.Tensor:
        """``N x K x H x W`` logits -> ``M x K`` rows, one per pixel of a regular grid."""
        if logits.dim() <= 2:
            return logits
        grid = logits[:, :, :: self.pixel_stride, :: self.pixel_stride]
        return grid.flatten(2).transpose(1, 2).reshape(-1, logits.shape[1])

    @torch.no_grad()
    def collect(self, model: Any, network: str | None = None) -> dict[str, Any]:
        """Features, logits and labels of every needed split, read through ``network`` if given."""
        from dareg.evaluation.features import DomainFeatures, collect_features

        outputs = {}
        for name, loader in self.split_loaders().items():
            collected = collect_features(model, loader, "target", self.max_samples, network=network)
            logits = None if collected.logits is None else self.dense_to_rows(collected.logits)
            outputs[name] = DomainFeatures(collected.features, logits, collected.labels)
        return outputs

    def scores(self, model: Any, network: str | None = None) -> dict[str, float]:
        """``{"<prefix>/<key>": score}`` of every validator; the global random states are left unchanged.

        Args:
            model: The algorithm (unwrapped).
            network: One of its ``prediction_networks`` to score (None: the one that makes
                target predictions, as :func:`~dareg.evaluation.features.extract_feat` finds it).
        """
        state = capture_random_state()
        start = time.perf_counter()
        try:
            outputs = self.collect(model, network)
            scores = {}
            for validator in self.validators:
                try:
                    scores[f"{self.prefix}/{validator.key}"] = float(validator(outputs))
                except (ValueError, FloatingPointError) as error:
                    print_log(f"validator {validator.key} failed: {error}", logger="current", level=logging.WARNING)
                    scores[f"{self.prefix}/{validator.key}"] = float("nan")
        finally:
            restore_random_state(state)
        print_log(
            f"validators{f' of the {network}' if network else ''} ({time.perf_counter() - start:.1f} s): "
            + ", ".join(f"{key.split('/', 1)[-1]} {value:.4f}" for key, value in scores.items()),
            logger="current",
        )
        return scores


@LOOPS.register_module()
class ValidatorValLoop(ValLoop):
    """``ValLoop`` plus unsupervised validators computed on extra, named splits (a :class:`ValidatorSet`).

    For an algorithm with a student and a teacher, ``NetworksValLoop`` takes the same validator
    arguments and scores each network.

    Args:
        runner: The runner.
        dataloader: The labelled evaluation dataloader (as for ``ValLoop``).
        evaluator: Its evaluator (as for ``ValLoop``).
        validators: Validator configs (``VALIDATORS``: ``IM``, ``SND``, ``DEV``, ``SourceAccuracy`` ...).
        splits: Split name -> dataset config, dotted key or ``dict(like=KEY, **overrides)``
            (:class:`ValidatorSet`). Defaults to :data:`DEFAULT_SPLITS`.
        batch_size: Images per forward pass on the extra splits. Defaults to 256.
        max_samples: At most this many samples per split (the first ones). Defaults to None (all).
        pixel_stride: Stride of the pixel grid kept from dense logits. Defaults to 8.
        prefix: Prefix of the logged scores. Defaults to ``"validator"``.
        fp16: As for ``ValLoop``. Defaults to False.
    """

    def __init__(
        self,
        runner: Any,
        dataloader: Any,
        evaluator: Any,
        validators: Sequence[dict],
        splits: dict[str, str | dict] | None = None,
        batch_size: int = 256,
        max_samples: int | None = None,
        pixel_stride: int = 8,
        prefix: str = "validator",
        fp16: bool = False,
    ) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.validator_set = ValidatorSet(runner.cfg, validators, splits, batch_size, max_samples, pixel_stride, prefix)

    def run_validators(self) -> dict[str, float]:
        """``{"<prefix>/<key>": score}`` of every validator on the model."""
        model = self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model
        return self.validator_set.scores(model)

    def run(self) -> dict:
        """mmengine's validation, then the validators; hooks see metrics and scores together."""
        self.runner.call_hook("before_val")
        self.runner.call_hook("before_val_epoch")
        self.runner.model.eval()
        self.val_loss.clear()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if self.val_loss:
            metrics.update(_parse_losses(self.val_loss, "val"))
        metrics.update(self.run_validators())
        self.runner.call_hook("after_val_epoch", metrics=metrics)
        self.runner.call_hook("after_val")
        return metrics
