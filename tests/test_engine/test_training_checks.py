"""Checks before training: each one fails a config with the mistake and passes the corrected config.

The runs use dareg's real SourceOnly/LeNet on the kit's TinyDigitsDataset, through
``dareg.apis.train`` (what ``tools/train.py`` and ``dareg train`` call), so the checks are seen
where users meet them: after the model is built, before the first iteration.
"""

from __future__ import annotations

import copy

import pytest
from fixtures.self_training import register_self_training, tiny_self_training_config, unregister_self_training
from mmengine.config import Config

from dareg.apis import build_runner, train
from dareg.engine.training_checks import ALLOW_KEY, TrainingSetupError, check_training_setup
from dareg.testing import tiny_pair_dataset

BASE = dict(
    default_scope="dareg",
    model=dict(
        type="SourceOnly",
        data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
        task_model=dict(
            type="ImageClassifier",
            backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28),
            head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
        ),
    ),
    train_dataloader=dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type="StreamSampler", shuffle=True),
        collate_fn=dict(type="dareg.domain_collate"),
        dataset=tiny_pair_dataset(num_samples=8),
    ),
    optim_wrapper=dict(
        constructor="MultiOptimWrapperConstructor", task_model=dict(optimizer=dict(type="SGD", lr=0.1))
    ),
    train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=1),
    default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=1, by_epoch=False)),
    log_level="WARNING",
)


def run(tmp_path, name: str, **changes):
    cfg = copy.deepcopy(BASE)
    cfg.update(changes)
    cfg.update(work_dir=str(tmp_path / name), experiment_name=name)
    return train(Config(cfg))


def test_misspelt_optimizer_key_names_the_closest_sub_module(tmp_path):
    wrong = dict(constructor="MultiOptimWrapperConstructor", task_modle=dict(optimizer=dict(type="SGD", lr=0.1)))
    with pytest.raises(TrainingSetupError, match=r"optim_wrapper.task_modle .*Did you mean: task_model\?"):
        run(tmp_path, "misspelt", optim_wrapper=wrong)
    assert not (tmp_path / "misspelt" / "iter_1.pth").exists()  # stopped before the first iteration
    run(tmp_path, "fixed")
    assert (tmp_path / "fixed" / "iter_1.pth").is_file()


def test_optimizer_the_algorithm_steps_but_the_config_lacks_is_named_before_the_first_step(tmp_path):
    # one optimizer over the right sub-module, under a key SourceOnly never steps
    renamed = dict(
        constructor="MultiOptimWrapperConstructor",
        model=dict(modules=["task_model"], optimizer=dict(type="SGD", lr=0.1)),
    )
    with pytest.raises(TrainingSetupError, match=r"steps the optimizers \['task_model'\], but optim_wrapper has no"):
        run(tmp_path, "renamed", optim_wrapper=renamed)


def test_trainable_parameters_without_optimizer_fail_unless_the_config_opts_in(tmp_path):
    backbone_only = dict(
        constructor="MultiOptimWrapperConstructor",
        task_model=dict(modules=["task_model.backbone"], optimizer=dict(type="SGD", lr=0.1)),
    )
    with pytest.raises(TrainingSetupError, match=r"updated by no optimizer.*task_model\.head\.") as error:
        run(tmp_path, "orphans", optim_wrapper=backbone_only)
    assert "allow_unoptimized_params" in str(error.value)
    # narrower patterns than needed still fail
    with pytest.raises(TrainingSetupError, match="updated by no optimizer"):
        run(tmp_path, "partly", optim_wrapper=backbone_only, allow_unoptimized_params=["task_model.head.fc.weight"])
    runner = run(tmp_path, "allowed", optim_wrapper=backbone_only, allow_unoptimized_params=["task_model.head.*"])
    optimized = {id(p) for group in runner.optim_wrapper["task_model"].param_groups for p in group["params"]}
    head = list(runner.model.task_model.head.parameters())
    assert runner.iter == 1 and head and all(p.requires_grad and id(p) not in optimized for p in head)


# --- self-training: a teacher moved by EMA needs no optimizer and no opt-in -------------------------
@pytest.fixture
def self_training():
    register_self_training()
    yield
    unregister_self_training()


def self_training_setup(tmp_path, optim_wrapper=None):
    cfg = Config(tiny_self_training_config(tmp_path, experiment_name=tmp_path.name))
    if optim_wrapper is not None:
        cfg.optim_wrapper = optim_wrapper
    return cfg, build_runner(cfg).model


def test_ema_teacher_passes_without_opt_in_and_a_trainable_teacher_fails(self_training, tmp_path):
    cfg, model = self_training_setup(tmp_path)
    assert ALLOW_KEY not in cfg
    check_training_setup(cfg, model)  # no error: the teacher is declared as moved by EMA
    model.set_requires_grad(model.teacher, True)
    with pytest.raises(TrainingSetupError, match=r"teacher is moved by EMA from 'task_model', but 6 of its parameters "
                       r"require gradients \(first: \['network.backbone.stem.0.weight'"):
        check_training_setup(cfg, model)


def test_teacher_given_to_an_optimizer_is_refused(self_training, tmp_path):
    both = dict(optimizer=dict(type="SGD", lr=0.01), modules=["task_model", "teacher"])
    cfg, model = self_training_setup(tmp_path, dict(constructor="MultiOptimWrapperConstructor", task_model=both))
    with pytest.raises(TrainingSetupError, match=r"optim_wrapper.task_model updates 'teacher', which holds parameters "
                       r"of 'teacher'; TinySelfTraining.train_spec declares 'teacher' as moved by EMA"):
        check_training_setup(cfg, model)


def test_declared_ema_module_that_does_not_exist_is_named(self_training, tmp_path):
    cfg, model = self_training_setup(tmp_path)
    del model.teacher
    with pytest.raises(TrainingSetupError, match=r"declares 'teacher' as moved by EMA, but TinySelfTraining has no"):
        check_training_setup(cfg, model)


def test_an_optional_part_left_out_needs_no_optimizer_and_one_configured_does():
    """A step on an optional sub-network (None when the config leaves it out) is required only when it exists."""
    from torch import nn

    from dareg.algorithms import BaseAlgorithm, TrainSpec
    from dareg.engine.training_checks import check_optimizer_keys

    class WithOptionalCritic(BaseAlgorithm):
        train_spec = TrainSpec(
            steps=[("task_model", "task loss"), ("critic", "critic loss", "with critic=")], logged={}
        )

        def __init__(self, critic: bool) -> None:
            super().__init__()
            self.task_model = nn.Linear(2, 2)
            self.critic = nn.Linear(2, 1) if critic else None

    spec = WithOptionalCritic.train_spec
    assert spec.optimizer_keys_for(WithOptionalCritic(critic=False)) == ("task_model",)
    assert spec.optimizer_keys_for(WithOptionalCritic(critic=True)) == ("task_model", "critic")
    sgd = dict(optimizer=dict(type="SGD", lr=0.1))
    only_task = dict(constructor="MultiOptimWrapperConstructor", task_model=sgd)
    check_optimizer_keys(only_task, WithOptionalCritic(critic=False))
    with pytest.raises(TrainingSetupError, match=r"steps the optimizers \['task_model', 'critic'\].*no 'critic'"):
        check_optimizer_keys(only_task, WithOptionalCritic(critic=True))
    with pytest.raises(TrainingSetupError, match="updates the sub-module 'critic', but WithOptionalCritic has no"):
        check_optimizer_keys(dict(only_task, critic=sgd), WithOptionalCritic(critic=False))
