"""Checks before training: each one fails a config with the mistake and passes the corrected config.

The runs use dareg's real SourceOnly/LeNet on the kit's TinyDigitsDataset, through
``dareg.apis.train`` (what ``tools/train.py`` and ``dareg train`` call), so the checks are seen
where users meet them: after the model is built, before the first iteration.
"""

from __future__ import annotations

import copy

import pytest
from mmengine.config import Config

from dareg.apis import train
from dareg.engine.training_checks import TrainingSetupError
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
