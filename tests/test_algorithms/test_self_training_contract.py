"""The EMA teacher in the algorithm contract: TrainSpec.ema, dareg info, check_algorithm, prediction networks.

``check_algorithm`` must pass the tiny self-training algorithm of ``tests/fixtures/self_training.py``
in both update orders (DAFormer: EMA before the step; DACS: after it), and fail an algorithm whose
teacher is only copied in ``__init__``, gets gradients, or follows another schedule.
"""

from __future__ import annotations

import pytest
import torch
from fixtures.self_training import TinySelfTraining, register_self_training, unregister_self_training

from dareg.algorithms import EMAUpdate, TrainSpec
from dareg.cli import main
from dareg.registry import ALGORITHMS, MODELS
from dareg.testing import check_algorithm, set_iteration, two_domain_batch

CFG = dict(type="TinySelfTraining", task_model=dict(type="TinySegmentor", num_classes=8))


@pytest.fixture
def self_training():
    register_self_training()
    yield
    unregister_self_training()
    set_iteration(0)


@pytest.fixture
def batch():
    return two_domain_batch(task="segmentation", channels=3, size=(16, 16), num_classes=8)


def register(cls: type) -> dict:
    ALGORITHMS.register_module(module=cls, force=True)
    return dict(CFG, type=cls.__name__)


@pytest.fixture
def variants(self_training):
    registered = []

    def add(cls: type) -> dict:
        registered.append(cls.__name__)
        return register(cls)

    yield add
    for name in registered:
        ALGORITHMS._module_dict.pop(name, None)
        MODELS._module_dict.pop(name, None)


def test_spec_declares_the_teacher_for_dareg_info_and_the_docs(self_training, capsys):
    spec = TinySelfTraining.train_spec
    assert spec.ema_modules == ("teacher",) and spec.optimizer_keys == ("task_model",)
    assert main(["info", "TinySelfTraining"]) == 0
    printed = capsys.readouterr().out
    expected = "  moved by EMA (no optimizer, no gradient):\n    teacher <- task_model: alpha_t = min(1 - 1/(t+1), "
    assert expected in printed
    assert "- `teacher` follows `task_model`: alpha_t = min(1 - 1/(t+1), alpha)" in spec.markdown()
    with pytest.raises(ValueError, match=r"\['teacher'\] cannot be both stepped by an optimizer and moved by EMA"):
        TrainSpec(steps=[("teacher", "x")], ema=[("teacher", "student")], logged={})
    assert TrainSpec(steps=[("a", "x")], logged={}, ema=[("t", "a", "alpha 0.5")]).ema_updates == (
        EMAUpdate("t", "a", "alpha 0.5"),
    )


def test_check_algorithm_passes_the_teacher_copied_at_iteration_0_then_averaged(self_training, batch):
    model = check_algorithm(CFG, batch, at_iters=(0, 1, 2, 7))
    assert all(not p.requires_grad and p.grad is None for p in model.teacher.parameters())
    assert not torch.equal(model.teacher.network.head.weight, model.task_model.head.weight)


def test_check_algorithm_passes_the_dacs_order_update_after_the_step(variants, batch):
    class AfterTheStep(TinySelfTraining):
        """DACS's order: the teacher equals the student at iteration 0, then moves after each step."""

        def train_step(self, data, optim_wrapper):
            if self.current_iter == 0:
                self.teacher.update(self.task_model, 0)
            update, self.teacher.update = self.teacher.update, lambda *args: 0.0
            try:
                logged = super().train_step(data, optim_wrapper)
            finally:
                self.teacher.update = update
            self.teacher.update(self.task_model, self.current_iter)
            return logged

    check_algorithm(variants(AfterTheStep), batch, at_iters=(0, 1, 3))


def test_a_teacher_copied_only_in_init_fails_at_iteration_0(variants, batch):
    class CopiedInInit(TinySelfTraining):
        def train_step(self, data, optim_wrapper):
            if self.current_iter == 0:  # forgets the copy: the teacher keeps its construction-time weights
                update, self.teacher.update = self.teacher.update, lambda *args: 0.0
                try:
                    return super().train_step(data, optim_wrapper)
                finally:
                    self.teacher.update = update
            return super().train_step(data, optim_wrapper)

    with pytest.raises(AssertionError, match=r"CopiedInInit.teacher is not the EMA of CopiedInInit.task_model with "
                       r"alpha_0 = 0 after train_step at iteration 0 \(it did not move\)"):
        check_algorithm(variants(CopiedInInit), batch)


def test_a_teacher_with_gradients_fails(variants, batch):
    class TrainableTeacher(TinySelfTraining):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.set_requires_grad(self.teacher, True)

    with pytest.raises(AssertionError, match=r"TrainableTeacher.teacher is moved by EMA but its parameters "
                       r"\['network.backbone.stem.0.weight'"):
        check_algorithm(variants(TrainableTeacher), batch)


def test_a_teacher_on_another_schedule_fails(variants, batch):
    class ConstantAlpha(TinySelfTraining):
        def train_step(self, data, optim_wrapper):
            update = self.teacher.update
            self.teacher.update = lambda student, iteration: update(student, min(iteration, 1))  # alpha stays 0.5
            try:
                return super().train_step(data, optim_wrapper)
            finally:
                self.teacher.update = update

    check_algorithm(variants(ConstantAlpha), batch, at_iters=(0, 1))  # alpha_0 and alpha_1 agree ...
    with pytest.raises(AssertionError, match=r"alpha_4 = 0.8 after train_step at iteration 4 \(it moved otherwise\)"):
        check_algorithm(variants(ConstantAlpha), batch, at_iters=(0, 1, 4))  # ... alpha_4 does not


def test_predict_runs_the_named_network_and_refuses_others(self_training, batch):
    model = ALGORITHMS.build(CFG)
    with torch.no_grad():
        model.teacher.network.head.weight.zero_()
        model.teacher.network.head.bias.copy_(torch.arange(8) == 3)  # the teacher predicts class 3
    target = dict(batch["target"], data_samples=dict(batch["source"]["data_samples"]))
    model.eval()
    teacher = model.val_step(target, network="teacher")
    assert all(bool((sample["pred_seg"] == 3).all()) for sample in teacher)
    student = model.test_step(target, network="student")
    assert not all(bool((sample["pred_seg"] == 3).all()) for sample in student)
    default = model.val_step(target)
    assert all(torch.equal(a["pred_seg"], b["pred_seg"]) for a, b in zip(default, student))  # the student by default
    with pytest.raises(ValueError, match=r"cannot predict with a network named 'ema'.*\['student', 'teacher'\]"):
        model.val_step(target, network="ema")
    source_only = ALGORITHMS.build(dict(type="SourceOnly", task_model=CFG["task_model"]))
    with pytest.raises(ValueError, match="predicts with one network only"):
        source_only.val_step(target, network="teacher")
