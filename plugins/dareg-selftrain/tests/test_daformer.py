"""DAFormer: the reference's defaults, the teacher moving first, border rows, batch-wide mix, feature distance."""

from __future__ import annotations

import copy

import pytest
import torch
from dareg.models.losses.feature_distance import CITYSCAPES_THING_CLASSES, pool_labels_by_ratio
from dareg.registry import ALGORITHMS
from dareg.testing import build_optim_wrapper, check_algorithm, perturb_ema_sources, set_iteration
from selftrain_helpers import NO_AUGMENT, PREPROCESSOR, Recorder, parameters, tiny_segmentor, two_domain_batch

from dareg_selftrain import DAFormer

#: A DAFormer small enough for a CPU test: MiT-B0 and a DAFormer head of width 16.
TINY_DAFORMER_NETWORK = dict(
    type="MultiLevelSegmentor",
    backbone=dict(type="MixTransformer", arch="mit_b0", checkpoint_path=None),
    head=dict(type="DAFormerHead", num_classes=4, embed_dims=16, channels=16),
    loss_weights=1.0,
    align_corners=False,
)
TINY_FEATURE_DISTANCE = dict(
    type="ImageNetFeatureDistance", classes=[1, 2], num_classes=4, loss_weight=0.5, min_ratio=0.5
)


def build(**kwargs) -> DAFormer:
    torch.manual_seed(0)
    cfg = dict(
        type="DAFormer",
        task_model=tiny_segmentor(),
        data_preprocessor=PREPROCESSOR,
        strong_augment=NO_AUGMENT,
        feature_distance=TINY_FEATURE_DISTANCE,
        pseudo_labeller=dict(type="PseudoLabeller", ignore_top=1, ignore_bottom=2),  # DAFormer's, for 16 rows
    )
    model = ALGORITHMS.build({**cfg, **kwargs}).train()
    perturb_ema_sources(model, scale=0.05)
    return model


def frozen_encoder(model) -> dict[str, torch.Tensor]:
    return parameters(model.feature_distance.frozen_encoder)


def sgd(model):
    return build_optim_wrapper(model, {"task_model": dict(optimizer=dict(type="SGD", lr=0.1))})


@pytest.fixture(autouse=True)
def iteration_zero():
    set_iteration(0)
    yield
    set_iteration(0)


def test_defaults_are_the_reference_values():
    torch.manual_seed(0)
    model = ALGORITHMS.build(dict(type="DAFormer", task_model=tiny_segmentor(num_classes=19)))
    assert (model.teacher.alpha, model.teacher_update, model.lambda_mix) == (0.999, "before_step", 1.0)
    labeller = model.pseudo_labeller
    assert (labeller.threshold, labeller.weighting, labeller.ignore_top, labeller.ignore_bottom) == (
        0.968,
        "quality",
        15,
        120,
    )
    assert model.class_mix.batch_wide and not model.class_mix.exclude_ignored
    jitter, blur = model.strong_augment.augments
    assert set(jitter.strengths.values()) == {0.2} and (jitter.p, blur.p) == (0.8, 0.5)
    fd = model.feature_distance
    assert (fd.classes, fd.num_classes, fd.loss_weight, fd.min_ratio, fd.feature_index) == (
        CITYSCAPES_THING_CLASSES,
        19,
        0.005,
        0.75,
        -1,
    )
    assert all(not p.requires_grad for p in fd.frozen_encoder.parameters())
    no_fd = ALGORITHMS.build(dict(type="DAFormer", task_model=tiny_segmentor(), feature_distance=None))
    assert no_fd.feature_distance is None
    assert DAFormer.train_spec.ema_updates[0].schedule.startswith("alpha_t = min(1 - 1/(t+1), alpha) at global")
    assert "at the start of train_step" in DAFormer.train_spec.ema_updates[0].schedule


def test_the_teacher_moves_at_the_start_of_the_step_and_labels_with_its_new_weights():
    model = build()
    wrappers = sgd(model)
    teacher_at_forward = []
    model.teacher.network.register_forward_hook(lambda m, args, out: teacher_at_forward.append(parameters(m)))
    for iteration, alpha in ((0, 0.0), (1, 0.5), (2, 2 / 3)):
        set_iteration(iteration)
        teacher_before, student_before = parameters(model.teacher.network), parameters(model.task_model)
        model.train_step(two_domain_batch(seed=iteration), wrappers)
        for name, value in teacher_at_forward[-1].items():
            expected = alpha * teacher_before[name] + (1 - alpha) * student_before[name]
            torch.testing.assert_close(value, expected, rtol=0, atol=1e-7)
            assert torch.equal(parameters(model.teacher.network)[name], value)


def test_border_rows_of_target_pixels_weigh_0_after_q_over_the_whole_image_and_pasted_pixels_keep_1():
    labeller = dict(type="PseudoLabeller", threshold=0.3, ignore_top=2, ignore_bottom=3)
    model = build(pseudo_labeller=labeller)
    model.class_mix = Recorder(model.class_mix)
    losses = model.train_step(two_domain_batch(), sgd(model))
    (mixed,) = model.class_mix.returned
    pasted = mixed.masks[:, 0].bool()
    quality = losses["pseudo_quality"]
    assert 0 < quality < 1
    rows = torch.zeros(16, dtype=torch.bool)
    rows[:2] = rows[-3:] = True
    expected = torch.where(rows[None, :, None].expand_as(pasted), torch.tensor(0.0), quality)
    expected = torch.where(pasted, torch.tensor(1.0), expected)
    assert torch.allclose(mixed.weights, expected)


def test_classmix_draws_from_the_classes_of_the_whole_source_batch():
    model = build()
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    labels[0, :8], labels[1, :8] = 1, 2  # image 0 has {0, 1}, image 1 has {0, 2}; the batch has {0, 1, 2}
    pasted_of_image_0 = set()
    for seed in range(20):
        torch.manual_seed(seed)
        mask = model.class_mix.masks(labels)[0, 0].bool()
        pasted_of_image_0.add(int(mask[labels[0] == 0].all()) + int(mask[labels[0] == 1].all()))
    # per image (DACS), image 0 pastes exactly one of its two classes; drawing 2 of the batch's 3, it may paste both
    assert model.class_mix.batch_wide and pasted_of_image_0 == {1, 2}


def test_feature_distance_by_hand_at_the_second_iteration():
    model = build()
    wrappers = sgd(model)
    frozen_before = frozen_encoder(model)
    student_at_start = parameters(model.task_model.backbone)
    first = model.train_step(two_domain_batch(), wrappers)
    assert float(first["loss_fd"]) == 0.0  # the frozen copy is the student of iteration 0
    assert all(torch.equal(v, student_at_start[k]) for k, v in frozen_encoder(model).items())
    assert any(not torch.equal(v, frozen_before[k]) for k, v in student_at_start.items())  # copied, not constructed
    set_iteration(1)
    reference = copy.deepcopy(model)
    batch = two_domain_batch(seed=1)
    batch["source"]["data_samples"]["gt_seg"][:, :8] = 1  # whole 4x4 cells of a counted class
    losses = model.train_step(batch, wrappers)
    source = reference.data_preprocessor(copy.deepcopy(batch), training=True)["source"]
    with torch.no_grad():
        student = reference.task_model.backbone(source["inputs"])[-1]
        frozen = reference.feature_distance.frozen_encoder(source["inputs"])[-1]
        cells = pool_labels_by_ratio(source["data_samples"]["gt_seg"], 4, num_classes=4, min_ratio=0.5)
        kept = (cells == 1) | (cells == 2)
        expected = 0.5 * (student - frozen).norm(dim=1)[kept].mean()
    assert kept.any() and float(losses["loss_fd"]) == pytest.approx(float(expected), rel=1e-5)
    assert all(torch.equal(v, student_at_start[k]) for k, v in frozen_encoder(model).items())


def test_feature_distance_trains_the_encoder_only():
    model = build(lambda_mix=0.0)
    set_iteration(0)
    model.train_step(two_domain_batch(), sgd(model))  # copy the encoder
    set_iteration(1)
    source_only = build(lambda_mix=0.0, feature_distance=None)
    source_only.load_state_dict(model.state_dict(), strict=False)
    batch = two_domain_batch(seed=1)
    batch["source"]["data_samples"]["gt_seg"][:, :8] = 1
    model.train_step(batch, sgd(model))
    source_only.train_step(batch, sgd(source_only))
    heads = [k for k in parameters(model.task_model) if "head" in k]
    encoder = [k for k in parameters(model.task_model) if k.startswith("backbone.")]
    after, without = parameters(model.task_model), parameters(source_only.task_model)
    assert all(torch.equal(after[k], without[k]) for k in heads)  # the distance reads the encoder only
    assert any(not torch.equal(after[k], without[k]) for k in encoder)


@pytest.mark.parametrize("network", ["tiny", "mit_b0"])
def test_contract(network):
    if network == "tiny":
        cfg = dict(task_model=tiny_segmentor(multi_level=False), feature_distance=TINY_FEATURE_DISTANCE)
    else:
        cfg = dict(task_model=TINY_DAFORMER_NETWORK, feature_distance=dict(TINY_FEATURE_DISTANCE, min_ratio=0.0))
    labeller = dict(type="PseudoLabeller", ignore_top=2, ignore_bottom=4)
    check_algorithm(
        dict(type="DAFormer", data_preprocessor=PREPROCESSOR, pseudo_labeller=labeller, **cfg),
        two_domain_batch(size=32),
        at_iters=(0, 1, 2),
    )
