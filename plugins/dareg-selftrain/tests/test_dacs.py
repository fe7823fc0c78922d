"""DACS: what moves by gradient and what by EMA, what each network sees, and its losses by hand."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from dareg.registry import ALGORITHMS
from dareg.testing import build_optim_wrapper, check_algorithm, perturb_ema_sources, set_iteration
from selftrain_helpers import (
    NO_AUGMENT,
    NUM_CLASSES,
    PREPROCESSOR,
    TIMM_SEGMENTOR,
    Recorder,
    parameters,
    record_inputs,
    tiny_segmentor,
    two_domain_batch,
)

from dareg_selftrain import DACS


def build(**kwargs) -> DACS:
    torch.manual_seed(0)
    cfg = dict(type="DACS", task_model=tiny_segmentor(), data_preprocessor=PREPROCESSOR, strong_augment=NO_AUGMENT)
    model = ALGORITHMS.build({**cfg, **kwargs}).train()
    perturb_ema_sources(model, scale=0.05)  # as init_weights / load_from shift the student after construction
    return model


def sgd(model, lr: float = 0.1):
    return build_optim_wrapper(model, {"task_model": dict(optimizer=dict(type="SGD", lr=lr))})


def preprocessed(model, batch):
    return model.data_preprocessor(copy.deepcopy(batch), training=True)


@pytest.fixture(autouse=True)
def iteration_zero():
    set_iteration(0)
    yield
    set_iteration(0)


def test_teacher_copies_the_trained_student_at_iteration_0_then_follows_it_by_ema_after_each_step():
    model = build()
    wrappers = sgd(model)
    teacher_at_forward = []
    model.teacher.network.register_forward_hook(
        lambda module, args, out: teacher_at_forward.append(parameters(module))
    )
    initial_student = parameters(model.task_model)
    model.train_step(two_domain_batch(), wrappers)
    # iteration 0: the pseudo-labels came from a copy of the initial student, and after the step the
    # teacher is the stepped student (alpha_0 = 0, DACS updates after optimizer.step)
    assert all(torch.equal(teacher_at_forward[0][k], initial_student[k]) for k in initial_student)
    student = parameters(model.task_model)
    assert any(not torch.equal(student[k], initial_student[k]) for k in student)
    assert all(torch.equal(v, student[k]) for k, v in parameters(model.teacher.network).items())
    for iteration, alpha in ((1, 0.5), (2, 2 / 3), (150, 0.99)):
        set_iteration(iteration)
        teacher_before = parameters(model.teacher.network)
        model.train_step(two_domain_batch(seed=iteration), wrappers)
        # the teacher labelled with its weights from before the step: DACS moves it afterwards
        assert all(torch.equal(teacher_at_forward[-1][k], teacher_before[k]) for k in teacher_before)
        student = parameters(model.task_model)
        for name, value in parameters(model.teacher.network).items():
            expected = alpha * teacher_before[name] + (1 - alpha) * student[name]
            torch.testing.assert_close(value, expected, rtol=0, atol=1e-7)
    assert all(not p.requires_grad and p.grad is None for p in model.teacher.parameters())
    optimized = {id(p) for group in wrappers["task_model"].optimizer.param_groups for p in group["params"]}
    assert not optimized & {id(p) for p in model.teacher.parameters()}


def test_before_step_moves_the_teacher_first_as_daformer():
    model = build(teacher_update="before_step")
    wrappers = sgd(model)
    teacher_at_forward = []
    model.teacher.network.register_forward_hook(
        lambda module, args, out: teacher_at_forward.append(parameters(module))
    )
    model.train_step(two_domain_batch(), wrappers)
    set_iteration(1)
    teacher_before, student_before = parameters(model.teacher.network), parameters(model.task_model)
    model.train_step(two_domain_batch(seed=1), wrappers)
    for name, value in teacher_at_forward[-1].items():  # EMA at the start, before it labels the batch
        torch.testing.assert_close(value, 0.5 * teacher_before[name] + 0.5 * student_before[name], rtol=0, atol=1e-7)
        assert torch.equal(parameters(model.teacher.network)[name], value)  # and not moved after the step


def test_teacher_sees_the_plain_target_and_the_student_sees_source_then_the_mixed_images():
    model = build()
    batch = two_domain_batch()
    pre = preprocessed(model, batch)
    teacher_saw, student_saw = record_inputs(model.teacher.network), record_inputs(model.task_model)
    model.class_mix = Recorder(model.class_mix)
    model.train_step(batch, sgd(model))
    (mixed,) = model.class_mix.returned
    assert len(teacher_saw) == 1 and torch.equal(teacher_saw[0], pre["target"]["inputs"])
    assert len(student_saw) == 2  # never the plain target images (no adversary)
    assert torch.equal(student_saw[0], pre["source"]["inputs"])
    expected = torch.where(mixed.masks.bool(), pre["source"]["inputs"], pre["target"]["inputs"])
    assert torch.equal(student_saw[1], expected) and torch.equal(mixed.inputs, expected)
    assert 0 < mixed.masks.mean() < 1


def test_the_mixed_images_are_jittered_and_blurred_with_the_dacs_settings_and_their_labels_are_not():
    model = build(strong_augment=None)  # the default: DACS's jitter 0.25 (p 0.8), then blur (p 0.5)
    jitter, blur = model.strong_augment.augments
    assert (type(jitter).__name__, jitter.strengths["hue"], jitter.p) == ("ColorJitter", 0.25, 0.8)
    assert (type(blur).__name__, blur.p) == ("GaussianBlur", 0.5)
    assert jitter.mean.flatten().tolist() == [128.0] * 3 and jitter.std.flatten().tolist() == [64.0] * 3
    model.strong_augment.augments = [type(jitter)(strength=0.25, p=1.0, mean=[128.0] * 3, std=[64.0] * 3)]
    model.strong_augment = Recorder(model.strong_augment)
    model.class_mix = Recorder(model.class_mix)
    student_saw = record_inputs(model.task_model)
    model.train_step(two_domain_batch(), sgd(model))
    (mixed,), (augmented,) = model.class_mix.returned, model.strong_augment.returned
    assert torch.equal(student_saw[1], augmented) and not torch.equal(augmented, mixed.inputs)


def test_pseudo_labels_quality_weight_and_losses_by_hand():
    # a low threshold so that some but not all target pixels are confident; 255 pixels in the source labels
    model = build(pseudo_labeller=dict(type="PseudoLabeller", threshold=0.3))
    reference = copy.deepcopy(model)
    batch = two_domain_batch()
    batch["source"]["data_samples"]["gt_seg"][:, :3] = 255
    model.class_mix = Recorder(model.class_mix)
    losses = model.train_step(batch, sgd(model))
    (mixed,) = model.class_mix.returned
    pre = preprocessed(reference, batch)
    source, target = pre["source"], pre["target"]
    labels = source["data_samples"]["gt_seg"]
    with torch.no_grad():
        up = lambda logits: F.interpolate(logits, size=(16, 16), mode="bilinear", align_corners=False)  # noqa: E731
        confidence, pseudo_labels = F.softmax(up(reference.task_model(target["inputs"])[-1]), dim=1).max(dim=1)
        quality = (confidence >= 0.3).float().mean()
        assert 0 < quality < 1 and losses["pseudo_quality"] == pytest.approx(float(quality))
        pasted = mixed.masks[:, 0].bool()
        assert torch.equal(mixed.labels, torch.where(pasted, labels, pseudo_labels))
        weights = torch.where(pasted, torch.ones_like(confidence), quality)
        assert torch.allclose(mixed.weights, weights)
        mixed_outputs = reference.task_model(mixed.inputs)
        source_outputs = reference.task_model(source["inputs"])
        for level, (suffix, weight) in enumerate((("_aux", 0.1), ("", 1.0))):
            pixel_ce = F.cross_entropy(up(mixed_outputs[level]), mixed.labels, ignore_index=255, reduction="none")
            expected_mix = weight * (weights * pixel_ce).mean()  # the mean counts ignored pixels
            assert float(losses[f"loss_mix{suffix}"]) == pytest.approx(float(expected_mix), rel=1e-5)
            expected_source = weight * F.cross_entropy(up(source_outputs[level]), labels, ignore_index=255)
            assert float(losses[f"loss_seg{suffix}"]) == pytest.approx(float(expected_source), rel=1e-5)
    assert set(losses) == {"loss_seg", "loss_seg_aux", "loss_mix", "loss_mix_aux", "pseudo_quality"}


def test_with_lambda_mix_0_the_student_learns_exactly_what_source_only_learns():
    model = build(lambda_mix=0.0)
    source_only = ALGORITHMS.build(dict(type="SourceOnly", task_model=tiny_segmentor(), data_preprocessor=PREPROCESSOR))
    source_only.task_model.load_state_dict(model.task_model.state_dict())
    batch = two_domain_batch()
    losses = model.train_step(batch, sgd(model))
    source_only.train_step(batch, sgd(source_only))
    assert float(losses["loss_mix"]) == 0.0 and float(losses["loss_mix_aux"]) == 0.0
    for name, value in parameters(model.task_model).items():
        assert torch.equal(value, parameters(source_only.task_model)[name]), name


def test_the_teacher_predicts_when_asked():
    model = build().eval()
    with torch.no_grad():
        model.teacher.network.head.branches[0].weight.add_(1.0)  # the teacher now predicts differently
    inputs = torch.randn(1, 3, 16, 16)
    teacher_saw, student_saw = record_inputs(model.teacher.network), record_inputs(model.task_model)
    (student,) = model.predict(inputs)
    (teacher,) = model.predict(inputs, network="teacher")
    assert len(teacher_saw) == len(student_saw) == 1 and not torch.equal(student["pred_seg"], teacher["pred_seg"])


def test_bad_arguments_fail_naming_them():
    with pytest.raises(ValueError, match="teacher_update"):
        build(teacher_update="later")
    with pytest.raises(ValueError, match="lambda_mix"):
        build(lambda_mix=-1.0)
    with pytest.raises(ValueError, match="feature_distance needs a student with a `backbone`"):
        build(task_model=dict(type=OneConvSegmentor), feature_distance=dict(type="ImageNetFeatureDistance"))


class OneConvSegmentor(torch.nn.Module):
    """A student without a ``backbone``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, NUM_CLASSES, 1)

    def forward(self, inputs):
        return [self.conv(inputs)]


def test_contract_single_and_multi_level():
    for segmentor in (tiny_segmentor(multi_level=False), TIMM_SEGMENTOR):
        check_algorithm(
            dict(type="DACS", task_model=segmentor, data_preprocessor=PREPROCESSOR),
            two_domain_batch(size=32),
            at_iters=(0, 1, 2),
        )


def test_mixed_precision_step():
    from mmengine.registry import DefaultScope

    model = build(strong_augment=None)
    with DefaultScope.overwrite_default_scope("dareg"):  # dareg's AmpOptimWrapper runs bfloat16 on the CPU
        wrappers = build_optim_wrapper(
            model, {"task_model": dict(type="AmpOptimWrapper", optimizer=dict(type="SGD", lr=0.1))}
        )
    before = parameters(model.task_model)
    losses = model.train_step(two_domain_batch(), wrappers)
    assert all(torch.isfinite(value) for value in losses.values())
    assert any(not torch.equal(before[k], v) for k, v in parameters(model.task_model).items())
    assert model.task_model.num_classes == NUM_CLASSES
