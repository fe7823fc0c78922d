"""AdaptSegNet: which parameters change in which step, what the discriminators see, loss weights."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from fixtures.invariants import changed, snapshot
from mmengine.registry import DefaultScope
from torch import nn

from dareg.algorithms.adaptsegnet import AdaptSegNet
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from dareg.models.losses.gan_loss import GANLoss

NUM_CLASSES = 3
SOURCE_SIZE, TARGET_SIZE = (32, 48), (32, 64)


class TwoLevelBackbone(nn.Module):
    """Two feature maps at 1/4 of the input (no BN, so a copy of the model computes the same values)."""

    out_channels = [4, 6]

    def __init__(self) -> None:
        super().__init__()
        self.low = nn.Conv2d(3, 4, 3, stride=4, padding=1)
        self.high = nn.Conv2d(4, 6, 1)

    def forward(self, x):
        low = torch.relu(self.low(x))
        return [low, self.high(low)]


class RecordingGANLoss(GANLoss):
    """GANLoss that records each call: label, side, and whether the discriminators could learn."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.calls: list[dict] = []
        self.discriminators: nn.Module | None = None

    def forward(self, logits, target, is_discriminator=True):
        d_trainable = any(p.requires_grad for p in self.discriminators.parameters())
        self.calls.append(dict(label=float(target), is_discriminator=is_discriminator, d_trainable=d_trainable))
        return super().forward(logits, target, is_discriminator)


def segmentor_cfg(multi_level: bool = True, loss_weights=(0.4, 1.5)) -> dict:
    head = dict(type="ASPPClassifier", num_classes=NUM_CLASSES, dilations=(1, 2))
    return dict(
        type="MultiLevelSegmentor",
        backbone=dict(type=TwoLevelBackbone),
        head=head,
        auxiliary_head=head if multi_level else None,
        loss_weights=loss_weights if multi_level else loss_weights[-1:],
    )


def make(lambda_adv=(0.5, 2.0), multi_level: bool = True, **kwargs) -> AdaptSegNet:
    torch.manual_seed(0)
    model = AdaptSegNet(
        segmentor=segmentor_cfg(multi_level),
        discriminator=dict(type="FCDiscriminator", base_channels=4),
        gan_loss=dict(type=RecordingGANLoss, mode="vanilla"),
        lambda_adv=lambda_adv,
        data_preprocessor=dict(type="DomainDataPreprocessor", mean=[128.0] * 3, std=[64.0] * 3),
        **kwargs,
    )
    model.gan_loss.discriminators = model.discriminators
    return model


def optim_wrappers(model: AdaptSegNet):
    return MultiOptimWrapperConstructor(
        dict(
            segmentor=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
            discriminators=dict(optimizer=dict(type="Adam", lr=1e-2, betas=(0.9, 0.99))),
        )
    )(model)


def make_batch(seed: int = 0, ignore_all: bool = False) -> dict:
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, NUM_CLASSES, (2, *SOURCE_SIZE), generator=g)
    if ignore_all:
        labels[:] = 255
    return {
        "source": {
            "inputs": torch.randint(0, 256, (2, 3, *SOURCE_SIZE), generator=g, dtype=torch.uint8),
            "data_samples": {"gt_seg": labels},
        },
        "target": {"inputs": torch.randint(0, 256, (2, 3, *TARGET_SIZE), generator=g, dtype=torch.uint8)},
    }


def test_each_step_changes_only_its_own_side():
    model = make().train()
    wrappers = optim_wrappers(model)
    events = []

    def instrument(name):
        wrapper = wrappers[name]
        original = wrapper.step

        def step(**kwargs):
            grads = {
                side: [p for p in getattr(model, side).parameters() if p.grad is not None and p.grad.abs().sum() > 0]
                for side in ("segmentor", "discriminators")
            }
            before = {side: snapshot(getattr(model, side)) for side in ("segmentor", "discriminators")}
            original(**kwargs)
            events.append(
                dict(
                    name=name,
                    grads={side: len(g) for side, g in grads.items()},
                    changed={side: changed(before[side], getattr(model, side)) for side in before},
                )
            )

        wrapper.step = step

    instrument("segmentor")
    instrument("discriminators")
    model.train_step(make_batch(), wrappers)

    assert [e["name"] for e in events] == ["segmentor", "discriminators"]
    generator_step, discriminator_step = events
    # generator step: the segmentor has gradients and changes; the discriminators have none and do not
    assert generator_step["grads"]["segmentor"] > 0 and generator_step["grads"]["discriminators"] == 0
    assert generator_step["changed"]["segmentor"] and not generator_step["changed"]["discriminators"]
    # discriminator step: the reverse
    assert discriminator_step["grads"]["segmentor"] == 0 and discriminator_step["grads"]["discriminators"] > 0
    assert discriminator_step["changed"]["discriminators"] and not discriminator_step["changed"]["segmentor"]
    # the frozen context restored the discriminators' flags
    assert all(p.requires_grad for p in model.discriminators.parameters())


def test_discriminators_see_softmax_maps_at_each_domains_input_size_with_the_right_labels():
    model = make().train()
    seen = []
    for level, discriminator in zip(model.adapted_levels, model.discriminators):
        discriminator.register_forward_hook(lambda m, args, out, level=level: seen.append((level, args[0].detach())))
    model.train_step(make_batch(), optim_wrappers(model))

    calls = model.gan_loss.calls
    # generator side: both levels, target pushed to the SOURCE label (0), discriminators frozen
    assert [(c["label"], c["is_discriminator"], c["d_trainable"]) for c in calls[:2]] == [(0.0, False, False)] * 2
    # discriminator side, per level: source -> 0, target -> 1, discriminators trainable
    assert [(c["label"], c["is_discriminator"], c["d_trainable"]) for c in calls[2:]] == [
        (0.0, True, True),
        (1.0, True, True),
    ] * 2
    sizes = [tuple(x.shape[-2:]) for _, x in seen]
    assert sizes == [TARGET_SIZE, TARGET_SIZE, SOURCE_SIZE, TARGET_SIZE, SOURCE_SIZE, TARGET_SIZE]
    assert [level for level, _ in seen] == [0, 1, 0, 0, 1, 1]
    for _, x in seen:
        assert x.shape[1] == NUM_CLASSES and x.min() >= 0
        torch.testing.assert_close(x.sum(1), torch.ones_like(x.sum(1)))


def test_loss_weights_reach_the_losses_hand_computed():
    model = make(lambda_adv=(0.5, 2.0)).train()
    reference = copy.deepcopy(model)
    batch = make_batch()
    losses = model.train_step(batch, optim_wrappers(model))

    pre = reference.data_preprocessor(batch, training=True)
    src_x, tgt_x = pre["source"]["inputs"], pre["target"]["inputs"]
    labels = pre["source"]["data_samples"]["gt_seg"]
    with torch.no_grad():
        src_out, tgt_out = reference.segmentor(src_x), reference.segmentor(tgt_x)

        def up(logits, size):
            return F.interpolate(logits, size=size, mode="bilinear", align_corners=True)

        def bce(logits, label):
            return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))

        expected = {
            "loss_seg_aux": 0.4 * F.cross_entropy(up(src_out[0], SOURCE_SIZE), labels, ignore_index=255),
            "loss_seg": 1.5 * F.cross_entropy(up(src_out[1], SOURCE_SIZE), labels, ignore_index=255),
        }
        for level, suffix, weight in ((0, "_aux", 0.5), (1, "", 2.0)):
            d = reference.discriminators[level]
            p_src = F.softmax(up(src_out[level], SOURCE_SIZE), dim=1)
            p_tgt = F.softmax(up(tgt_out[level], TARGET_SIZE), dim=1)
            expected[f"loss_adv{suffix}"] = weight * bce(d(p_tgt), 0.0)
            expected[f"loss_d_src{suffix}"] = 0.5 * bce(d(p_src), 0.0)
            expected[f"loss_d_tgt{suffix}"] = 0.5 * bce(d(p_tgt), 1.0)
            expected[f"loss_d{suffix}"] = expected[f"loss_d_src{suffix}"] + expected[f"loss_d_tgt{suffix}"]
    assert set(losses) == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value, msg=key)


def test_adversarial_gradient_flows_into_the_segmentor_through_frozen_discriminators():
    model = make(lambda_adv=(0.0, 1.0)).train()
    before = snapshot(model.segmentor)
    losses = model.train_step(make_batch(ignore_all=True), optim_wrappers(model))  # no source supervision
    assert losses["loss_seg"] == 0 and losses["loss_adv"] > 0
    assert changed(before, model.segmentor)


def test_single_level_and_unadapted_levels():
    multi = make(lambda_adv=(0.0002, 0.001))
    assert multi.adapted_levels == (0, 1) and len(multi.discriminators) == 2

    main_only = make(lambda_adv=(0.0, 0.001))
    assert main_only.adapted_levels == (1,) and len(main_only.discriminators) == 1
    losses = main_only.train_step(make_batch(), optim_wrappers(main_only))
    assert "loss_adv" in losses and "loss_adv_aux" not in losses and "loss_d_aux" not in losses
    assert "loss_seg_aux" in losses  # the auxiliary level is still supervised

    single = make(lambda_adv=(0.001,), multi_level=False)
    assert single.adapted_levels == (0,) and len(single.discriminators) == 1
    losses = single.train_step(make_batch(), optim_wrappers(single))
    assert set(losses) == {"loss_seg", "loss_adv", "loss_d", "loss_d_src", "loss_d_tgt"}
    assert single.discriminators[0].features[0].in_channels == NUM_CLASSES  # sized from the segmentor


def test_bad_lambda_adv():
    with pytest.raises(ValueError, match="one weight per segmentor level"):
        make(lambda_adv=(0.001,))
    with pytest.raises(ValueError, match="SourceOnly"):
        make(lambda_adv=(0.0, 0.0))


def test_predict_uses_the_main_head_at_label_size():
    model = make().eval()
    x = torch.randn(1, 3, *TARGET_SIZE)
    labels = torch.zeros(1, 64, 128, dtype=torch.long)
    (result,) = model.predict(x, {"gt_seg": labels})
    main = F.interpolate(model.segmentor(x)[-1], size=(64, 128), mode="bilinear", align_corners=True)
    assert torch.equal(result["pred_seg"], main.argmax(1)[0])


def test_mixed_precision_step_updates_both_sides():
    model = make().train()
    with DefaultScope.overwrite_default_scope("dareg"):  # as under the Runner: dareg's CPU-capable wrapper
        wrappers = MultiOptimWrapperConstructor(
            dict(
                segmentor=dict(type="AmpOptimWrapper", optimizer=dict(type="SGD", lr=0.1)),
                discriminators=dict(type="AmpOptimWrapper", optimizer=dict(type="Adam", lr=1e-2)),
            )
        )(model)
    before = {side: snapshot(getattr(model, side)) for side in ("segmentor", "discriminators")}
    losses = model.train_step(make_batch(), wrappers)
    assert all(torch.isfinite(v) for v in losses.values())
    assert changed(before["segmentor"], model.segmentor) and changed(before["discriminators"], model.discriminators)
