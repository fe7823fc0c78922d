"""MIC: the masked image, what each network sees, the masked loss by hand, and lambda_masked = 0 is DAFormer."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from dareg.registry import ALGORITHMS
from dareg.testing import build_optim_wrapper, check_algorithm, perturb_ema_sources, set_iteration
from selftrain_helpers import (
    NO_AUGMENT,
    PREPROCESSOR,
    TIMM_SEGMENTOR,
    Recorder,
    parameters,
    record_inputs,
    tiny_segmentor,
    two_domain_batch,
)

from dareg_selftrain import MIC, DAFormer

#: Only the block mask (4-pixel blocks for 16-pixel test images): the masked image is the target times the mask.
ONLY_MASK = dict(type="BatchCompose", augments=[dict(type="BlockMask", block_size=4, mask_ratio=0.7)])
SMALL = dict(
    data_preprocessor=PREPROCESSOR,
    strong_augment=NO_AUGMENT,
    feature_distance=None,
    pseudo_labeller=dict(type="PseudoLabeller", threshold=0.3, ignore_top=1, ignore_bottom=2),
)


def build(kind: str = "MIC", **kwargs):
    torch.manual_seed(0)
    cfg = dict(type=kind, task_model=tiny_segmentor(), **SMALL)
    if kind == "MIC":
        cfg["masking"] = ONLY_MASK
    model = ALGORITHMS.build({**cfg, **kwargs}).train()
    perturb_ema_sources(model, scale=0.05)
    return model


def sgd(model):
    return build_optim_wrapper(model, {"task_model": dict(optimizer=dict(type="SGD", lr=0.1))})


@pytest.fixture(autouse=True)
def iteration_zero():
    set_iteration(0)
    yield
    set_iteration(0)


def test_defaults_are_mic_daformer_values():
    torch.manual_seed(0)
    model = ALGORITHMS.build(dict(type="MIC", task_model=tiny_segmentor(num_classes=19)))
    assert isinstance(model, MIC) and isinstance(model, DAFormer)
    jitter, blur, mask = model.masking.augments
    assert set(jitter.strengths.values()) == {0.2} and (jitter.p, blur.p) == (0.8, 0.5)
    assert (type(mask).__name__, mask.block_size, mask.mask_ratio) == ("BlockMask", 32, 0.7)
    assert model.lambda_masked == 1.0
    assert (model.teacher.alpha, model.teacher_update) == (0.999, "before_step")
    assert model.pseudo_labeller.ignore_bottom == 120
    assert model.feature_distance is not None and model.class_mix.batch_wide
    with pytest.raises(ValueError, match="lambda_masked"):
        build(lambda_masked=-0.5)


def test_teacher_sees_the_plain_target_and_the_student_source_mixed_and_masked_images():
    model = build()
    batch = two_domain_batch()
    pre = model.data_preprocessor(copy.deepcopy(batch), training=True)
    teacher_saw, student_saw = record_inputs(model.teacher.network), record_inputs(model.task_model)
    model.class_mix = Recorder(model.class_mix)
    model.masking = Recorder(model.masking)
    model.train_step(batch, sgd(model))
    (mixed,), (masked,) = model.class_mix.returned, model.masking.returned
    target = pre["target"]["inputs"]
    assert len(teacher_saw) == 1 and torch.equal(teacher_saw[0], target)
    assert len(student_saw) == 3  # never the plain target images (no adversary)
    assert torch.equal(student_saw[0], pre["source"]["inputs"])
    assert torch.equal(student_saw[1], mixed.inputs) and torch.equal(student_saw[2], masked)
    hidden = (masked == 0).all(dim=1)  # a hidden pixel is 0 in every channel (the normalised mean)
    assert 0.3 < hidden.float().mean() < 1.0
    assert torch.equal(masked, torch.where(hidden[:, None], torch.zeros_like(target), target))
    blocks = hidden.view(2, 4, 4, 4, 4)  # 4 x 4 blocks of 4 x 4 pixels: each all hidden or all visible
    assert torch.equal(blocks.all(dim=4).all(dim=2), blocks.any(dim=4).any(dim=2))


def test_the_masked_loss_targets_the_teachers_pseudo_labels_of_the_full_target_by_hand():
    model = build(lambda_masked=0.7)
    reference = copy.deepcopy(model)
    batch = two_domain_batch()
    model.masking = Recorder(model.masking)
    losses = model.train_step(batch, sgd(model))
    (masked,) = model.masking.returned
    target = reference.data_preprocessor(copy.deepcopy(batch), training=True)["target"]["inputs"]
    up = lambda logits: F.interpolate(logits, size=(16, 16), mode="bilinear", align_corners=False)  # noqa: E731
    with torch.no_grad():
        confidence, labels = F.softmax(up(reference.task_model(target)[-1]), dim=1).max(dim=1)  # teacher = student at 0
        weights = ((confidence >= 0.3).float().mean()).expand_as(confidence).clone()
        weights[:, :1] = weights[:, -2:] = 0.0  # DAFormer's ignored border rows, after q
        outputs = reference.task_model(masked)
        for level, (suffix, weight) in enumerate((("_aux", 0.1), ("", 1.0))):
            pixel_ce = F.cross_entropy(up(outputs[level]), labels, reduction="none")
            expected = 0.7 * weight * (weights * pixel_ce).mean()
            assert float(losses[f"loss_masked{suffix}"]) == pytest.approx(float(expected), rel=1e-5)
    assert {"loss_mix", "loss_mix_aux", "loss_masked", "loss_masked_aux", "pseudo_quality"} <= set(losses)


def test_with_lambda_masked_0_the_student_learns_exactly_what_daformer_teaches():
    mic, daformer = build(lambda_masked=0.0), build("DAFormer")
    daformer.load_state_dict(mic.state_dict())
    batch = two_domain_batch()
    torch.manual_seed(5)
    losses = mic.train_step(batch, sgd(mic))
    torch.manual_seed(5)  # the same mix: MIC draws its mask after it
    daformer.train_step(batch, sgd(daformer))
    assert float(losses["loss_masked"]) == 0.0
    for name, value in parameters(mic.task_model).items():
        assert torch.equal(value, parameters(daformer.task_model)[name]), name
    for name, value in parameters(mic.teacher).items():
        assert torch.equal(value, parameters(daformer.teacher)[name]), name


def buffers(module):
    return {name: b.detach().clone() for name, b in module.named_buffers() if "running" in name}


@pytest.mark.parametrize("update", [True, False])
def test_the_masked_pass_moves_the_norm_statistics_unless_told_not_to(update):
    """With masked_norm_update=False (a diagnostic), MIC without its loss leaves what DAFormer leaves, buffers too."""
    mic = build(lambda_masked=0.0, masked_norm_update=update, task_model=TIMM_SEGMENTOR)
    daformer = build("DAFormer", task_model=TIMM_SEGMENTOR)
    daformer.load_state_dict(mic.state_dict())
    batch = two_domain_batch(size=32)
    torch.manual_seed(5)
    mic.train_step(batch, sgd(mic))
    torch.manual_seed(5)
    daformer.train_step(batch, sgd(daformer))
    ours, theirs = buffers(mic.task_model), buffers(daformer.task_model)
    assert ours and ours.keys() == theirs.keys()
    same = [name for name in ours if torch.equal(ours[name], theirs[name])]
    assert (len(same) == len(ours)) is not update  # the masked pass moved them, or left them as DAFormer did
    for name, value in parameters(mic.task_model).items():
        assert torch.equal(value, parameters(daformer.task_model)[name]), name  # the gradients do not change


def test_contract():
    masking = dict(ONLY_MASK, augments=[dict(type="ColorJitter"), dict(type="GaussianBlur"), *ONLY_MASK["augments"]])
    check_algorithm(
        dict(type="MIC", task_model=TIMM_SEGMENTOR, masking=masking, **SMALL),
        two_domain_batch(size=32),
        at_iters=(0, 1, 2),
    )
