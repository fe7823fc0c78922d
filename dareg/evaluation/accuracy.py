"""Top-1 classification accuracy, overall and per class.

The digit benchmarks (ADDA, Tzeng et al. CVPR 2017; PixelDA, Bousmalis et al. CVPR 2017) report the
top-1 accuracy of the adapted classifier on the target test split, in percent. Per-class accuracy
(recall of each class) is reported next to it: adversarial alignment can trade one digit for another
while the overall number barely moves, and the per-class view shows it. VisDA-2017 (Peng et al.,
2017) ranks methods by the mean of the per-class accuracies (``mean_class_accuracy``), since its
classes are unbalanced; the Transfer-Learning-Library reports it beside the overall accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from dareg.registry import METRICS


def _as_int(value: Any, key: str) -> int:
    if hasattr(value, "item"):
        value = value.item()
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Accuracy expects an integer '{key}' per sample, got {value!r}") from error


@METRICS.register_module()
class Accuracy(BaseMetric):
    """Top-1 accuracy (percent) and per-class accuracy of ``pred_label`` against ``gt_label``.

    Consumes what a classification algorithm's ``predict`` returns: one dict per sample with integer
    (or 0-d tensor) ``pred_label`` and ``gt_label``. Samples whose ``gt_label`` is negative (unlabelled)
    are skipped. Returns ``{"accuracy": float, "mean_class_accuracy": float, "accuracy/<class>": float ...}``
    (percent), where the mean runs over the classes present in the ground truth and a class absent
    from it gets ``nan``; mmengine prepends ``prefix + "/"`` when a prefix is set.

    Args:
        num_classes: Number of classes. Defaults to None: the dataset's ``classes`` if the evaluator
            was given a dataset, else the largest label seen plus one.
        prefix: Prefix of the metric names (``"target"`` gives ``"target/accuracy"``). Defaults to
            None (no prefix).
        class_names: Names used in the per-class keys. Defaults to None: the dataset's ``classes``,
            else the class indices.
        per_class: Also return per-class accuracies. Defaults to True.
        pred_key: The prediction key to score. Defaults to ``"pred_label"``; MCD also predicts
            ``"pred_label_f1"`` and ``"pred_label_f2"`` (each classifier alone), scored by further
            ``Accuracy`` metrics with their own ``prefix``.
        collect_device: Where results are gathered in distributed runs. Defaults to ``"cpu"``.

    Examples:
        >>> metric = Accuracy(class_names=["zero", "one"])
        >>> metric.process({}, [{"pred_label": 0, "gt_label": 0}, {"pred_label": 0, "gt_label": 1},
        ...                     {"pred_label": 1, "gt_label": 1}, {"pred_label": 1, "gt_label": 1},
        ...                     {"pred_label": 1, "gt_label": 1}])
        >>> metric.compute_metrics(metric.results)
        {'accuracy': 80.0, 'mean_class_accuracy': 87.5, 'accuracy/zero': 100.0, 'accuracy/one': 75.0}
    """

    default_prefix: str | None = ""  # no prefix (and no mmengine warning about it) unless one is given

    def __init__(
        self,
        num_classes: int | None = None,
        prefix: str | None = None,
        class_names: Sequence[str] | None = None,
        per_class: bool = True,
        collect_device: str = "cpu",
        pred_key: str = "pred_label",
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if class_names is not None and num_classes is not None and len(class_names) != num_classes:
            raise ValueError(f"Accuracy: {len(class_names)} class_names given for num_classes={num_classes}")
        self.num_classes = num_classes
        self.class_names = list(class_names) if class_names is not None else None
        self.per_class = per_class
        self.pred_key = pred_key

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep ``(pred_label, gt_label)`` of each labelled sample (the prediction under ``pred_key``)."""
        for sample in data_samples:
            if self.pred_key not in sample or "gt_label" not in sample:
                raise KeyError(
                    f"Accuracy needs '{self.pred_key}' and 'gt_label' in each prediction; got keys "
                    f"{sorted(sample)}. Is the model a classifier (its predict returns pred_label)?"
                )
            gt = _as_int(sample["gt_label"], "gt_label")
            if gt >= 0:
                self.results.append((_as_int(sample[self.pred_key], self.pred_key), gt))

    def _names(self, seen_max: int) -> list[str]:
        names = self.class_names
        if names is None and self.dataset_meta and self.dataset_meta.get("classes"):
            names = [str(c) for c in self.dataset_meta["classes"]]
        num = self.num_classes or (len(names) if names else seen_max + 1)
        if names is None:
            names = [str(i) for i in range(num)]
        if len(names) < num or seen_max >= num:
            raise ValueError(
                f"Accuracy: labels up to {seen_max} seen but only {len(names)} classes ({names}); "
                "set num_classes / class_names to match the dataset."
            )
        return names[:num]

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Overall and per-class accuracy in percent."""
        if not results:
            print_log("Accuracy: no labelled predictions to evaluate.", logger="current")
            return {"accuracy": float("nan")}
        pairs = np.asarray(results, dtype=np.int64).reshape(-1, 2)
        pred, gt = pairs[:, 0], pairs[:, 1]
        correct = pred == gt
        counts = np.bincount(gt)
        hits = np.bincount(gt[correct], minlength=counts.size)
        present = counts > 0
        metrics = {
            "accuracy": float(correct.mean() * 100.0),
            # VisDA-2017's metric: the mean of the per-class accuracies of the classes in the ground truth
            "mean_class_accuracy": float((hits[present] / counts[present]).mean() * 100.0),
        }
        if not self.per_class:
            return metrics
        names = self._names(int(pairs.max()))
        counts = np.bincount(gt, minlength=len(names))
        hits = np.bincount(gt[correct], minlength=len(names))
        for index, name in enumerate(names):
            metrics[f"accuracy/{name}"] = float(hits[index] / counts[index] * 100.0) if counts[index] else float("nan")
        return metrics
