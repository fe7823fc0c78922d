"""LabelledPixelsHook: a supervised loss without a labelled pixel for N iterations in a row stops the run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from fixtures.self_training import register_self_training, tiny_self_training_config, unregister_self_training
from mmengine.config import Config
from torch import nn

from dareg.apis import apply_run_options, train
from dareg.engine.hooks import LabelledPixelsHook, NoLabelledPixelsError, labelled_pixels_hook
from dareg.models.losses import CrossEntropyLoss, PseudoLabelCrossEntropyLoss
from dareg.registry import TRANSFORMS
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


class TwoLosses(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.loss_seg = CrossEntropyLoss()
        self.other = nn.ModuleDict(dict(loss_aux=CrossEntropyLoss(ignore_index=7)))


LOGITS = torch.zeros(1, 3, 2, 2, requires_grad=True)
LABELLED = torch.tensor([[[0, 255], [255, 255]]])
EMPTY = torch.full((1, 2, 2), 255)


def step(hook, runner, labels=None, aux=None, outputs=None):
    if labels is not None:
        runner.model.loss_seg(LOGITS, labels)
    if aux is not None:
        runner.model.other.loss_aux(LOGITS, aux)
    hook.after_train_iter(runner, 0, outputs=outputs or {})
    runner.iter += 1


def test_loss_counts_calls_with_and_without_labels_only_in_training():
    loss = CrossEntropyLoss()
    assert float(loss(LOGITS, EMPTY).detach()) == 0.0 and (loss.labelled_calls, loss.unlabelled_calls) == (0, 1)
    loss(LOGITS, LABELLED)
    assert (loss.labelled_calls, loss.unlabelled_calls) == (1, 1)
    with torch.no_grad():
        loss(LOGITS, EMPTY)
    loss.eval()
    loss(LOGITS, EMPTY)
    assert (loss.labelled_calls, loss.unlabelled_calls) == (1, 1)


def test_stops_at_the_nth_empty_iteration_in_a_row_naming_the_loss():
    runner = SimpleNamespace(model=TwoLosses(), iter=0)
    hook = LabelledPixelsHook(max_iters_without_labels=3)
    hook.before_train(runner)
    zero = {"loss_seg": torch.tensor(0.0), "loss_adv": torch.tensor(0.7)}
    step(hook, runner, EMPTY, outputs=zero)
    step(hook, runner, EMPTY, outputs=zero)
    step(hook, runner, LABELLED)  # one labelled pixel ends the run of empty iterations
    step(hook, runner, EMPTY, outputs=zero)
    step(hook, runner, EMPTY, outputs=zero)
    step(hook, runner)  # the loss is not called at all: the count stays
    with pytest.raises(NoLabelledPixelsError) as info:
        step(hook, runner, EMPTY, outputs=zero)
    message = str(info.value)
    assert message.startswith("Training stopped after iteration 7: the supervised loss 'loss_seg' (CrossEntropyLoss, ")
    assert "ignore_index=255) has seen no labelled pixel for 3 iterations in a row" in message
    assert "(logged as loss_seg=0.0000)" in message and "max_iters_without_labels" in message


def test_each_loss_has_its_own_count_and_none_switches_off():
    runner = SimpleNamespace(model=TwoLosses(), iter=0)
    hook = LabelledPixelsHook(max_iters_without_labels=2)
    hook.before_train(runner)
    step(hook, runner, LABELLED, aux=torch.full((1, 2, 2), 7))  # all of loss_aux's labels are its ignore index 7
    with pytest.raises(NoLabelledPixelsError, match=r"'other\.loss_aux' \(CrossEntropyLoss, ignore_index=7\)"):
        step(hook, runner, LABELLED, aux=torch.full((1, 2, 2), 7))
    off = LabelledPixelsHook(max_iters_without_labels=None)
    off.before_train(runner)
    for _ in range(5):
        step(off, runner, EMPTY)
    with pytest.raises(ValueError, match="max_iters_without_labels"):
        LabelledPixelsHook(max_iters_without_labels=-1)


class VoidLabels:
    """Every label pixel becomes 255 (ignored): labels whose every value the label map sends to void."""

    def __call__(self, results: dict) -> dict:
        results["gt_seg"] = np.full_like(results["gt_seg"], 255)
        return results


@pytest.fixture
def void_labels():
    TRANSFORMS.register_module(module=VoidLabels, force=True)
    yield
    TRANSFORMS._module_dict.pop("VoidLabels", None)


def test_run_on_labels_that_are_all_void_stops_with_the_explanation(tmp_path, void_labels):
    """The embedded AdaptSegNet demo on source labels that are all 'ignore' stops at the 3rd iteration."""
    cfg = load_config(str(CONFIGS / "demo" / "adaptseg_synthetic.py"))
    apply_run_options(cfg, "void", work_dir=str(tmp_path / "work"))
    pair = cfg.train_dataloader.dataset
    for dataset in (pair.source, pair.target, cfg.val_dataloader.dataset):
        dataset.update(num_samples=4, image_size=(32, 64))
    pair.source.pipeline = [dict(type="VoidLabels"), *pair.source.pipeline]
    cfg.train_cfg.update(max_iters=10, val_interval=100)
    cfg.default_hooks.labelled_pixels.max_iters_without_labels = 3
    cfg.default_hooks.checkpoint = None
    cfg.log_level = "WARNING"
    with pytest.raises(NoLabelledPixelsError) as info:
        train(cfg)
    message = str(info.value)
    assert "after iteration 3: the supervised loss 'segmentor.loss_seg'" in message
    assert "(logged as loss_seg=0.0000, loss_seg_aux=0.0000)" in message


# --- self-training: an empty pseudo-label loss is not missing supervision ------------------------------
class SupervisedAndPseudo(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.loss_seg = CrossEntropyLoss()
        self.loss_pseudo = PseudoLabelCrossEntropyLoss()


def test_an_empty_pseudo_label_loss_only_warns_while_missing_supervision_still_stops(monkeypatch):
    warnings = []
    monkeypatch.setattr(labelled_pixels_hook, "print_log", lambda message, **kwargs: warnings.append(message))
    runner = SimpleNamespace(model=SupervisedAndPseudo(), iter=0)
    hook = LabelledPixelsHook(max_iters_without_labels=3)
    hook.before_train(runner)
    nothing_confident = torch.zeros(1, 2, 2)
    for _ in range(7):  # labels (the teacher's argmax) but no weight: no pixel reached the threshold
        runner.model.loss_seg(LOGITS, LABELLED)
        runner.model.loss_pseudo(LOGITS, torch.zeros(1, 2, 2, dtype=torch.long), nothing_confident)
        hook.after_train_iter(runner, 0, outputs={"loss_pseudo": torch.tensor(0.0)})
        runner.iter += 1
    assert len(warnings) == 2  # after 3 and 6 empty iterations
    assert warnings[0].startswith("Iteration 3: the pseudo-label loss 'loss_pseudo' (PseudoLabelCrossEntropyLoss) has "
                                  "had no pixel with a label and a positive weight for 3 iterations in a row")
    assert "training goes on" in warnings[0]
    for _ in range(2):
        step(hook, runner, EMPTY)
    with pytest.raises(NoLabelledPixelsError, match="the supervised loss 'loss_seg'"):
        step(hook, runner, EMPTY)


def test_self_training_run_whose_pseudo_labels_stay_empty_for_55_iterations_trains_on(tmp_path):
    """No teacher prediction reaches threshold 1.0: the default hook (50 iterations) must not stop the run."""
    register_self_training()
    try:
        cfg = tiny_self_training_config(
            tmp_path, max_iters=55, experiment_name="empty_pseudo", custom_hooks=[dict(type="LabelledPixelsHook")]
        )
        cfg["model"]["pseudo_labeller"] = dict(type="PseudoLabeller", threshold=1.0)
        cfg["train_cfg"]["val_interval"] = 100
        runner = train(Config(cfg))
    finally:
        unregister_self_training()
    assert runner.iter == 55
    assert runner.message_hub.get_scalar("train/pseudo_quality").current() == 0.0
    assert runner.message_hub.get_scalar("train/loss_pseudo").current() == 0.0
