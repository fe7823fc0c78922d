"""Adversarial and self-training together: DACS with AdaptSegNet's output-space adversary, composed in a config.

What moves in which step, what the discriminators see, and the adversarial loss by hand; with the
pseudo-label loss weighted 0 the combination learns exactly what AdaptSegNet learns.
"""

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
    parameters,
    record_inputs,
    tiny_segmentor,
    two_domain_batch,
)

ADVERSARY = dict(
    type="OutputSpaceAdversary",
    lambda_adv=(0.5, 2.0),
    discriminator=dict(type="FCDiscriminator", base_channels=4),
)
OPTIMIZERS = {
    "task_model": dict(optimizer=dict(type="SGD", lr=0.1)),
    "discriminators": dict(optimizer=dict(type="SGD", lr=0.1)),
}


def build(**kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type="DACS",
        task_model=tiny_segmentor(),
        data_preprocessor=PREPROCESSOR,
        strong_augment=NO_AUGMENT,
        adversary=ADVERSARY,
    )
    model = ALGORITHMS.build({**cfg, **kwargs}).train()
    perturb_ema_sources(model, scale=0.05)
    return model


@pytest.fixture(autouse=True)
def iteration_zero():
    set_iteration(0)
    yield
    set_iteration(0)


def test_the_adversary_is_built_from_the_student_and_held_as_discriminators():
    model = build()
    assert model.discriminators.adapted_levels == (0, 1) and model.discriminators.level_names == ("_aux", "")
    assert all(d.features[0].in_channels == 4 for d in model.discriminators)  # the student's classes
    assert DACS_STEPS(model) == ("task_model", "discriminators")
    assert ALGORITHMS.build(dict(type="DACS", task_model=tiny_segmentor())).discriminators is None
    assert DACS_STEPS(ALGORITHMS.build(dict(type="DACS", task_model=tiny_segmentor()))) == ("task_model",)


def DACS_STEPS(model) -> tuple[str, ...]:  # noqa: N802
    return type(model).train_spec.optimizer_keys_for(model)


def test_each_step_moves_its_own_side_and_the_discriminators_see_the_students_predictions():
    model = build()
    wrappers = build_optim_wrapper(model, OPTIMIZERS)
    events = []
    for name in OPTIMIZERS:
        original = wrappers[name].step

        def step(*args, _name=name, _original=original, **kwargs):
            grads = {
                side: sum(float(p.grad.abs().sum()) for p in getattr(model, side).parameters() if p.grad is not None)
                for side in ("task_model", "discriminators")
            }
            events.append((_name, grads))
            return _original(*args, **kwargs)

        wrappers[name].step = step
    batch = two_domain_batch(size=32)
    pre = model.data_preprocessor(copy.deepcopy(batch), training=True)
    student_saw = record_inputs(model.task_model)
    d_saw = [record_inputs(d) for d in model.discriminators]
    model.train_step(batch, wrappers)
    (first, student_grads), (second, d_grads) = events
    assert (first, second) == ("task_model", "discriminators")
    assert student_grads["task_model"] > 0 and student_grads["discriminators"] == 0  # frozen in Eq. 4
    assert d_grads["discriminators"] > 0 and d_grads["task_model"] == 0  # zeroed after the student's step
    # the student sees source, mixed and (for the adversary only) the plain target images
    assert len(student_saw) == 3 and torch.equal(student_saw[2], pre["target"]["inputs"])
    # each discriminator: the target maps in the student's step, then the source and target maps in its own
    for seen in d_saw:
        assert len(seen) == 3 and all(tuple(x.shape[-2:]) == (32, 32) for x in seen)
        assert all(torch.allclose(x.sum(1), torch.ones(2, 32, 32)) for x in seen)  # softmax maps
        assert torch.equal(seen[0], seen[2])


def test_with_lambda_mix_0_the_combination_learns_exactly_what_adaptsegnet_learns():
    combined = build(lambda_mix=0.0)
    adaptsegnet = ALGORITHMS.build(
        dict(
            type="AdaptSegNet",
            segmentor=tiny_segmentor(),
            discriminator=ADVERSARY["discriminator"],
            lambda_adv=ADVERSARY["lambda_adv"],
            data_preprocessor=PREPROCESSOR,
        )
    )
    adaptsegnet.segmentor.load_state_dict(combined.task_model.state_dict())
    adaptsegnet.discriminators.load_state_dict(combined.discriminators.state_dict())
    batch = two_domain_batch(size=32)
    losses = combined.train_step(batch, build_optim_wrapper(combined, OPTIMIZERS))
    expected = adaptsegnet.train_step(
        batch,
        build_optim_wrapper(
            adaptsegnet, {"segmentor": OPTIMIZERS["task_model"], "discriminators": OPTIMIZERS["discriminators"]}
        ),
    )
    for key in ("loss_seg", "loss_seg_aux", "loss_adv", "loss_adv_aux", "loss_d", "loss_d_src_aux"):
        assert torch.equal(losses[key], expected[key]), key
    for name, value in parameters(combined.task_model).items():
        assert torch.equal(value, parameters(adaptsegnet.segmentor)[name]), name
    for name, value in parameters(combined.discriminators).items():
        assert torch.equal(value, parameters(adaptsegnet.discriminators)[name]), name


def test_adversarial_loss_by_hand():
    model = build()
    reference = copy.deepcopy(model)
    batch = two_domain_batch(size=32)
    losses = model.train_step(batch, build_optim_wrapper(model, OPTIMIZERS))
    target = reference.data_preprocessor(copy.deepcopy(batch), training=True)["target"]["inputs"]
    with torch.no_grad():
        outputs = reference.task_model(target)
        for level, suffix, weight in ((0, "_aux", 0.5), (1, "", 2.0)):
            maps = F.softmax(F.interpolate(outputs[level], size=(32, 32), mode="bilinear", align_corners=False), 1)
            logits = reference.discriminators[level](maps)
            expected = weight * F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
            assert float(losses[f"loss_adv{suffix}"]) == pytest.approx(float(expected), rel=1e-5)
    assert {"loss_mix", "loss_d", "loss_d_aux", "loss_d_src", "loss_d_tgt", "pseudo_quality"} <= set(losses)


def test_an_unadapted_level_is_declared_for_ddp():
    assert build().networks_with_unused_parameters() == {}
    unadapted = build(adversary=dict(ADVERSARY, lambda_adv=(0.0, 1.0)))
    assert "lambda_adv is 0" in unadapted.networks_with_unused_parameters()["task_model"]


@pytest.mark.parametrize("kind", ["DACS", "MIC"])
def test_contract(kind):
    masking = dict(type="BatchCompose", augments=[dict(type="BlockMask", block_size=8)])
    labeller = dict(type="PseudoLabeller", ignore_top=1, ignore_bottom=8)  # DAFormer's rows, scaled to 32 pixels
    extra = dict(feature_distance=None, masking=masking, pseudo_labeller=labeller)
    check_algorithm(
        dict(
            type=kind,
            task_model=TIMM_SEGMENTOR,
            data_preprocessor=PREPROCESSOR,
            adversary=ADVERSARY,
            **(extra if kind == "MIC" else {}),
        ),
        two_domain_batch(size=32),
        at_iters=(0, 1),
    )
