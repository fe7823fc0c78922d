"""CycleGAN: which parameters each step changes, loss values by hand, pools, predict, Runner."""

from __future__ import annotations

import pytest
import torch
from fixtures.translation import ChangeRecorder, random_pair_batch, single_thread

from dareg.registry import ALGORITHMS

TINY = dict(
    type="CycleGAN",
    generator=dict(type="ResnetGenerator", base_channels=4, num_blocks=1),
    discriminator=dict(type="PatchDiscriminator", base_channels=4, num_layers=2),
    pool_size=3,
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True),
)


def build(**overrides):
    torch.manual_seed(0)
    return ALGORITHMS.build({**TINY, **overrides})


def test_each_step_changes_only_its_own_networks():
    model = build()
    recorder = ChangeRecorder(model)
    losses = model.train_step(random_pair_batch(), recorder.wrappers)
    assert set(losses) == {
        "loss_gan_a2b", "loss_gan_b2a", "loss_cycle_a", "loss_cycle_b", "loss_idt_a2b", "loss_idt_b2a",
        "loss_d_a", "loss_d_b",
    }
    assert all(v.ndim == 0 and not v.requires_grad for v in losses.values())
    assert recorder.changed["generators"] == recorder.params_of("generators")  # every G param, no D param
    assert recorder.changed["discriminators"] == recorder.params_of("discriminators")
    assert all(p.requires_grad for p in model.discriminators.parameters())  # unfrozen after the G step
    assert int(model.pools["a"].num_images) == 2 and int(model.pools["b"].num_images) == 2


def test_generator_losses_match_reference_formulas():
    model = build(lambda_cycle=(10.0, 4.0), lambda_identity=0.5)
    batch = model.data_preprocessor(random_pair_batch(), training=True)
    a, b = batch["source"]["inputs"], batch["target"]["inputs"]
    images = model.translate_both(a, b)
    losses = model.generator_losses(images, batch)
    g_ab, g_ba = model.generators["a2b"], model.generators["b2a"]
    d_a, d_b = model.discriminators["a"], model.discriminators["b"]
    with torch.no_grad():
        expected = {
            "loss_gan_a2b": ((d_b(g_ab(a)) - 1) ** 2).mean(),
            "loss_gan_b2a": ((d_a(g_ba(b)) - 1) ** 2).mean(),
            "loss_cycle_a": 10.0 * (g_ba(g_ab(a)) - a).abs().mean(),
            "loss_cycle_b": 4.0 * (g_ab(g_ba(b)) - b).abs().mean(),
            "loss_idt_a2b": 0.5 * 4.0 * (g_ab(b) - b).abs().mean(),  # G_ab keeps B images: weight of lambda_b
            "loss_idt_b2a": 0.5 * 10.0 * (g_ba(a) - a).abs().mean(),
        }
    for key, value in expected.items():
        assert losses[key].item() == pytest.approx(float(value), rel=1e-5), key


def test_discriminator_loss_is_half_real_plus_fake_with_pooled_fakes():
    model = build(pool_size=0)
    batch = model.data_preprocessor(random_pair_batch(), training=True)
    images = model.translate_both(batch["source"]["inputs"], batch["target"]["inputs"])
    losses = model.discriminator_losses(images)
    d_b = model.discriminators["b"]
    with torch.no_grad():
        expected = 0.5 * (((d_b(images["real_b"]) - 1) ** 2).mean() + (d_b(images["fake_b"]) ** 2).mean())
    assert losses["loss_d_b"].item() == pytest.approx(float(expected), rel=1e-5)


def test_no_identity_loss_when_disabled_and_pools_in_state_dict():
    model = build(lambda_identity=0.0)
    recorder = ChangeRecorder(model)
    losses = model.train_step(random_pair_batch(), recorder.wrappers)
    assert "loss_idt_a2b" not in losses
    state = model.state_dict()
    assert state["pools.a.images"].shape == (3, 3, 16, 16) and int(state["pools.b.num_images"]) == 2
    fresh = build()
    fresh.load_state_dict(state)
    assert torch.equal(fresh.pools["b"].images, model.pools["b"].images)


def test_predict_translates_and_reconstructs():
    model = build()
    inputs = torch.rand(2, 3, 16, 16) * 2 - 1
    out = model.predict(inputs)
    assert len(out) == 2 and out[0]["translated"].shape == (3, 16, 16)
    assert out[0]["translated"].abs().max() <= 1 and out[0]["cycle_l1"] > 0
    assert torch.allclose(model.forward_tensor(inputs), model.generators["a2b"](inputs))
    pixels = torch.randint(0, 256, (1, 3, 8, 8), dtype=torch.uint8)
    assert torch.equal(model.denormalize_pixels(model.normalize_pixels(pixels)), pixels)


def test_cycle_losses_fall_on_a_tiny_problem():
    model = build(lambda_identity=0.0)
    recorder = ChangeRecorder(model, lr=2e-3)
    batch = random_pair_batch(seed=1)
    first = [model.train_step(batch, recorder.wrappers) for _ in range(2)][0]
    for _ in range(25):
        last = model.train_step(batch, recorder.wrappers)
    assert last["loss_cycle_a"] < 0.7 * first["loss_cycle_a"]
    assert last["loss_cycle_b"] < 0.7 * first["loss_cycle_b"]


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
