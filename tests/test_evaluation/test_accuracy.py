"""Accuracy: hand-computed overall and per-class values, class names, prefixes, errors."""

import math

import pytest
import torch
from mmengine.evaluator import Evaluator

from dareg.evaluation import Accuracy
from dareg.registry import METRICS


def samples(pairs):
    return [{"pred_label": p, "gt_label": g} for p, g in pairs]


def test_hand_computed_overall_and_per_class():
    # class 0: 2 of 3 right, class 1: 1 of 1, class 2: 0 of 2 -> 3 of 6 overall
    metric = Accuracy(num_classes=4)
    metric.process({}, samples([(0, 0), (0, 0), (1, 0), (1, 1), (0, 2), (1, 2)]))
    result = metric.compute_metrics(metric.results)
    assert result["accuracy"] == pytest.approx(50.0)
    assert result["accuracy/0"] == pytest.approx(200 / 3)
    assert result["accuracy/1"] == pytest.approx(100.0)
    assert result["accuracy/2"] == pytest.approx(0.0)
    assert math.isnan(result["accuracy/3"])  # absent from the ground truth
    # mean over the three classes in the ground truth, not over num_classes: (200/3 + 100 + 0) / 3
    assert result["mean_class_accuracy"] == pytest.approx(500 / 9)


def test_mean_class_accuracy_differs_from_overall_on_unbalanced_classes():
    # VisDA's metric: 9 of 10 right on a large class, 0 of 1 on a small one -> 90% overall, 45% mean
    metric = Accuracy(per_class=False)
    metric.process({}, samples([(0, 0)] * 9 + [(1, 0), (0, 1)]))
    result = metric.compute_metrics(metric.results)
    assert result["accuracy"] == pytest.approx(900 / 11)
    assert result["mean_class_accuracy"] == pytest.approx(45.0)


def test_tensors_unlabelled_and_batches_accumulate():
    metric = Accuracy(per_class=False)
    metric.process({}, [{"pred_label": torch.tensor(2), "gt_label": torch.tensor(2)}])
    metric.process({}, [{"pred_label": 1, "gt_label": 2}, {"pred_label": 1, "gt_label": -1}])
    assert metric.compute_metrics(metric.results) == {"accuracy": 50.0, "mean_class_accuracy": 50.0}


def test_names_from_dataset_meta_and_prefix_through_evaluator():
    evaluator = Evaluator(METRICS.build(dict(type="Accuracy", prefix="target")))
    evaluator.dataset_meta = {"classes": ("zero", "one")}
    evaluator.process(samples([(0, 0), (1, 0), (1, 1), (1, 1)]))
    result = evaluator.evaluate(4)
    assert result == {
        "target/accuracy": 75.0,
        "target/mean_class_accuracy": 75.0,
        "target/accuracy/zero": 50.0,
        "target/accuracy/one": 100.0,
    }


def test_errors_name_the_problem():
    metric = Accuracy(class_names=["a", "b"])
    metric.process({}, samples([(0, 5)]))
    with pytest.raises(ValueError, match="labels up to 5"):
        metric.compute_metrics(metric.results)
    with pytest.raises(KeyError, match="pred_label"):
        Accuracy().process({}, [{"pred_seg": 1, "gt_label": 1}])
    with pytest.raises(ValueError, match="class_names"):
        Accuracy(num_classes=3, class_names=["a"])


def test_accuracy_in_a_real_validation_loop(tmp_path, toys):
    from dareg.apis import train

    cfg = toys.toy_config(
        tmp_path,
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=2, val_interval=2),
        val_dataloader=dict(
            batch_size=5,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=False),
            collate_fn=dict(type="dareg.domain_collate"),
            dataset=dict(type="ToyDigits", num_samples=12, shift=60, seed=3, pipeline=[dict(type="PackInputs")]),
        ),
        val_cfg=dict(type="ValLoop"),
        val_evaluator=dict(type="Accuracy", num_classes=3, prefix="target"),
    )
    runner = train(cfg)
    metrics = runner.message_hub.get_scalar("val/target/accuracy").current()
    per_class = [runner.message_hub.get_scalar(f"val/target/accuracy/{c}").current() for c in range(3)]
    assert 0.0 <= metrics <= 100.0
    assert metrics == pytest.approx(sum(per_class) / 3)  # 4 samples per class: overall = mean of classes
