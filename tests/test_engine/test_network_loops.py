"""NetworksValLoop / NetworksTestLoop: student and teacher evaluated and logged with prefixes, the selected one bare.

Each network's score must be the score that network gets on its own: the teacher's is checked
against a plain ``SourceOnly`` test of a checkpoint that holds the teacher's weights as its network.
"""

from __future__ import annotations

import copy
import json

import pytest
import torch
from fixtures.self_training import register_self_training, tiny_self_training_config, unregister_self_training
from fixtures.tiny_segmentation import tiny_segmentation_config
from mmengine.config import Config

from dareg.apis import apply_test_options, build_runner, run_test, train
from dareg.engine.hooks.best_checkpoint_hook import read_records
from dareg.utils.config import ConfigError


@pytest.fixture
def self_training():
    register_self_training()
    yield
    unregister_self_training()


def trained(tmp_path, name: str, max_iters: int = 4, **overrides):
    cfg = tiny_self_training_config(tmp_path / name, max_iters=max_iters, experiment_name=name, **overrides)
    return train(Config(cfg))


def alone(tmp_path, name: str, state: dict, prefix: str) -> dict:
    """The metrics of a SourceOnly test whose network has the weights ``state[prefix + ...]``."""
    weights = {"task_model." + k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    checkpoint = str(tmp_path / f"{name}.pth")
    torch.save({"state_dict": weights, "meta": {}}, checkpoint)
    cfg = Config(tiny_segmentation_config(tmp_path / name, experiment_name=name))
    return run_test(apply_test_options(cfg, checkpoint))


def test_every_network_is_scored_as_if_alone_and_the_student_is_the_default(self_training, tmp_path):
    runner = trained(tmp_path, "run")
    with torch.no_grad():  # a teacher that predicts "building" everywhere, so the two networks' scores differ
        runner.model.teacher.network.head.bias[2] += 100.0
    metrics = runner.val_loop.run()
    keys = ("mIoU", "aAcc", "mAcc")
    assert set(metrics) == {f"{prefix}{key}" for prefix in ("", "student/", "teacher/") for key in keys}
    assert all(metrics[key] == metrics[f"student/{key}"] for key in ("mIoU", "aAcc", "mAcc"))
    state = runner.model.state_dict()
    assert not torch.equal(state["teacher.network.head.weight"], state["task_model.head.weight"])
    teacher_alone = alone(tmp_path, "teacher_alone", state, "teacher.network.")
    student_alone = alone(tmp_path, "student_alone", state, "task_model.")
    assert {key: metrics[f"teacher/{key}"] for key in teacher_alone} == teacher_alone
    assert {key: metrics[f"student/{key}"] for key in student_alone} == student_alone
    assert teacher_alone != student_alone  # the two networks do differ on this split


def test_select_makes_the_teacher_the_score_of_the_best_checkpoint_and_of_the_test(self_training, tmp_path):
    best = [dict(type="BestCheckpointHook", key="mIoU")]
    runner = trained(tmp_path, "teacher", val_cfg=dict(type="NetworksValLoop", select="teacher"), custom_hooks=best)
    record = read_records(runner.work_dir)["mIoU"]
    with open(f"{runner.log_dir}/vis_data/scalars.json") as handle:
        scalars = [json.loads(line) for line in handle]
    logged = next(entry for entry in scalars if "teacher/mIoU" in entry)
    assert record["score"] == logged["teacher/mIoU"] == logged["mIoU"] and record["iter"] == 4
    # tools/test.py of a config without test_cfg tests the networks and the selection of val_cfg
    cfg = Config(tiny_self_training_config(tmp_path / "test", val_cfg=dict(type="NetworksValLoop", select="teacher")))
    for key in ("test_cfg", "test_dataloader", "test_evaluator"):
        cfg.pop(key)
    apply_test_options(cfg, f"{runner.work_dir}/iter_4.pth")
    assert cfg.test_cfg == dict(type="NetworksTestLoop", select="teacher")
    tested = run_test(cfg)
    assert tested["mIoU"] == tested["teacher/mIoU"] == logged["teacher/mIoU"]
    assert tested["student/mIoU"] == logged["student/mIoU"]


def test_test_loop_with_one_network(self_training, tmp_path):
    runner = trained(tmp_path, "run", max_iters=2)
    teacher_only = dict(type="NetworksTestLoop", networks=["teacher"])
    cfg = Config(tiny_self_training_config(tmp_path / "test", test_cfg=teacher_only))
    tested = run_test(apply_test_options(cfg, f"{runner.work_dir}/iter_2.pth"))
    assert set(tested) == {"teacher/mIoU", "teacher/aAcc", "teacher/mAcc", "mIoU", "aAcc", "mAcc"}


@pytest.mark.parametrize(
    "model,val_cfg,message",
    [
        ("SourceOnly", dict(type="NetworksValLoop"), "SourceOnly predicts with one network only"),
        ("TinySelfTraining", dict(type="NetworksValLoop", networks=["ema"]), r"networks \['ema'\] are not among"),
        ("TinySelfTraining", dict(type="NetworksValLoop", networks=["teacher"], select="student"), "select='student'"),
    ],
)
def test_wrong_networks_fail_when_the_loop_is_built(self_training, tmp_path, model, val_cfg, message):
    cfg = tiny_self_training_config(tmp_path, val_cfg=val_cfg, experiment_name=tmp_path.name)
    if model == "SourceOnly":
        cfg["model"] = copy.deepcopy(tiny_segmentation_config(tmp_path)["model"])
    runner = build_runner(Config(cfg))
    with pytest.raises(ValueError, match=message):
        runner.build_val_loop(runner._val_loop)


VALIDATED = dict(type="NetworksValLoop", validators=[dict(type="IM"), dict(type="SND")], pixel_stride=4)


def test_validators_score_each_network_through_its_own_features(self_training, tmp_path):
    runner = trained(tmp_path, "validated_each_network", val_cfg=VALIDATED)
    with torch.no_grad():  # the student predicts "building" everywhere with certainty; the teacher, sharp classes
        runner.model.task_model.head.bias[2] += 100.0
        runner.model.teacher.network.head.weight.mul_(100.0)
    metrics = runner.val_loop.run()
    names = ("validator/IM", "validator/SND")
    assert {f"{prefix}{key}" for prefix in ("", "student/", "teacher/") for key in names} <= set(metrics)
    assert all(metrics[key] == metrics[f"student/{key}"] for key in names)  # select: the student
    # information maximisation = H(mean prediction) - mean H(prediction): 0 for one certain class everywhere
    assert metrics["student/validator/IM"] == pytest.approx(0.0, abs=1e-4)
    assert metrics["teacher/validator/IM"] > 0.1
    direct = runner.val_loop.validator_set.scores(runner.model, network="teacher")
    assert direct == {key: metrics[f"teacher/{key}"] for key in names}


def test_validators_leave_training_unchanged_and_the_teacher_can_be_the_score(self_training, tmp_path):
    # experiment names of their own: mmengine keeps a MessageHub per name, and its iteration would carry over
    plain = trained(tmp_path, "plain_beside_validators").model.state_dict()
    runner = trained(tmp_path, "validated_teacher_selected", val_cfg=dict(VALIDATED, select="teacher"))
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, plain[key]), key
    with open(f"{runner.log_dir}/vis_data/scalars.json") as handle:
        logged = next(entry for entry in map(json.loads, handle) if "validator/IM" in entry)
    assert logged["validator/IM"] == logged["teacher/validator/IM"] and "student/validator/IM" in logged


@pytest.mark.parametrize(
    "val_cfg,error,message",
    [
        (dict(type="NetworksValLoop", pixel_stride=4), ValueError, r"\['pixel_stride'\] given without validators"),
        (dict(VALIDATED, splits=dict(target_val="x")), KeyError, r"unknown split names \['target_val'\]"),
    ],
)
def test_wrong_validator_options_fail_when_the_loop_is_built(self_training, tmp_path, val_cfg, error, message):
    runner = build_runner(Config(tiny_self_training_config(tmp_path, val_cfg=val_cfg, experiment_name=tmp_path.name)))
    with pytest.raises(error, match=message):
        runner.build_val_loop(runner._val_loop)


def test_a_misspelt_validator_option_is_named_before_anything_is_built(self_training, tmp_path):
    cfg = tiny_self_training_config(tmp_path, val_cfg=dict(VALIDATED, pixel_strid=4), experiment_name=tmp_path.name)
    with pytest.raises(ConfigError, match="takes no argument 'pixel_strid'; did you mean 'pixel_stride'"):
        build_runner(Config(cfg))


def test_scoring_checkpoints_afterwards_keeps_the_networks_and_the_selection():
    from dareg.analysis.checkpoint_scores import validator_config

    cfg = Config(dict(val_cfg=dict(type="NetworksValLoop", select="teacher")))
    val_cfg = validator_config(cfg, validators=[dict(type="IM")])
    assert (val_cfg["type"], val_cfg["select"]) == ("NetworksValLoop", "teacher")
    assert val_cfg["validators"] == [dict(type="IM")]
    assert validator_config(Config(dict(val_cfg=dict(type="ValLoop"))))["type"] == "ValidatorValLoop"
