"""DiscoGAN: alternating updates, curriculum, feature matching and reconstruction terms."""

from __future__ import annotations

from unittest import mock

import pytest
import torch
from fixtures.translation import ChangeRecorder, random_pair_batch, single_thread

from dareg.algorithms.discogan import DiscoGAN
from dareg.registry import ALGORITHMS

TINY = dict(
    type="DiscoGAN",
    generator=dict(type="DiscoGANGenerator", base_channels=4),
    discriminator=dict(type="DiscoGANDiscriminator", base_channels=4),
    curriculum_iters=4,
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[0.0] * 3, std=[255.0] * 3),
)


def build(**overrides) -> DiscoGAN:
    torch.manual_seed(0)
    return ALGORITHMS.build({**TINY, **overrides})


def run_at(model, recorder, iteration: int) -> dict:
    with mock.patch.object(DiscoGAN, "current_iter", new=iteration):
        return model.train_step(random_pair_batch(size=64, seed=iteration), recorder.wrappers)


def test_discriminators_every_third_iteration_generators_otherwise():
    model = build()
    for iteration, updated in [(0, "discriminators"), (1, "generators"), (2, "generators"), (3, "discriminators")]:
        recorder = ChangeRecorder(model)
        losses = run_at(model, recorder, iteration)
        assert set(recorder.changed) == {updated}
        assert recorder.changed[updated] == recorder.params_of(updated)
        if updated == "discriminators":
            assert set(losses) == {"loss_d_a", "loss_d_b"}
        else:
            assert set(losses) == {
                "loss_gan_a2b", "loss_gan_b2a", "loss_fm_a2b", "loss_fm_b2a", "loss_recon_a", "loss_recon_b",
                "recon_rate",
            }
    both = build(d_update_interval=1)
    recorder = ChangeRecorder(both)
    run_at(both, recorder, 5)
    assert set(recorder.changed) == {"generators", "discriminators"}


def test_curriculum_and_weights_by_hand():
    model = build()
    assert model.reconstruction_rate(3) == 0.01 and model.reconstruction_rate(4) == 0.5
    batch = model.data_preprocessor(random_pair_batch(size=64), training=True)
    a, b = batch["source"]["inputs"], batch["target"]["inputs"]
    torch.manual_seed(1)
    losses = model.generator_losses(a, b, rate=0.5)
    g_ab, g_ba, d_b = model.generators["a2b"], model.generators["b2a"], model.discriminators["b"]
    with torch.no_grad():
        fake_b = g_ab(a)
        logits, feats_fake = d_b(fake_b)
        _, feats_real = d_b(b)
        gan = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        fm = sum(((r.mean(0) - f.mean(0)) ** 2).mean() for r, f in zip(feats_real, feats_fake))
        recon = ((g_ba(fake_b) - a) ** 2).mean()
    assert losses["loss_gan_a2b"].item() == pytest.approx(0.5 * 0.1 * float(gan), rel=1e-4)
    assert losses["loss_fm_a2b"].item() == pytest.approx(0.5 * 0.9 * float(fm), rel=1e-4)
    assert losses["loss_recon_a"].item() == pytest.approx(0.5 * float(recon), rel=1e-4)


def test_outputs_in_unit_range_and_plain_gan_without_feature_matching():
    model = build(lambda_fm=0.0, lambda_gan=1.0)
    recorder = ChangeRecorder(model)
    losses = run_at(model, recorder, 1)
    assert "loss_fm_a2b" not in losses and losses["recon_rate"] == pytest.approx(0.01)
    out = model.predict(torch.rand(1, 3, 64, 64))[0]["translated"]
    assert out.min() >= 0 and out.max() <= 1


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
