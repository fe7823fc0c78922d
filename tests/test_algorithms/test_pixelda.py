"""PixelDA: generator output, which step updates what, labels the discriminator sees, task-loss gradients."""

from __future__ import annotations

import pytest
import torch
from fixtures.invariants import RecordingGANLoss, changed, snapshot
from mmengine.optim import OptimWrapperDict

from dareg.algorithms.pixelda import FAKE_LABEL, REAL_LABEL, PixelDA, pairwise_mse
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

SIZE = 16


def build_pixelda(**kwargs) -> PixelDA:
    torch.manual_seed(0)
    cfg = dict(
        generator=dict(type="PixelDAGenerator", num_res_blocks=1, base_channels=8, image_size=SIZE),
        discriminator=dict(type="PixelDADiscriminator", channels=(8, 16, 16), image_size=SIZE),
        task_model=dict(
            type="ImageClassifier",
            backbone=dict(type="PixelDATaskNet", image_size=SIZE, feat_channels=16),
            head=dict(type="LinearClsHead", in_channels=16, num_classes=10),
        ),
        data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3),
    )
    cfg.update(kwargs)
    return PixelDA(**cfg)


def build_optim(model: PixelDA) -> OptimWrapperDict:
    return MultiOptimWrapperConstructor(
        dict(
            generator=dict(optimizer=dict(type="Adam", lr=1e-3)),
            discriminator=dict(modules=["discriminator", "task_model"], optimizer=dict(type="Adam", lr=1e-3)),
        )
    )(model)


def make_batch(n: int = 4) -> dict:
    generator = torch.Generator().manual_seed(1)

    def images() -> torch.Tensor:
        return torch.randint(0, 256, (n, 3, SIZE, SIZE), generator=generator, dtype=torch.uint8)

    labels = torch.arange(n) % 10
    return {
        "source": {"inputs": images(), "data_samples": {"gt_label": labels}},
        "target": {"inputs": images(), "data_samples": {"gt_label": torch.full((n,), -1)}},
    }


@pytest.mark.parametrize("noise_mode", ["channel", "image"])
def test_generator_output_has_source_shape_and_range_and_depends_on_noise(noise_mode):
    generator = dict(type="PixelDAGenerator", num_res_blocks=1, base_channels=8, image_size=SIZE, noise_mode=noise_mode)
    model = build_pixelda(generator=generator).eval()
    source = torch.rand(3, 3, SIZE, SIZE) * 2 - 1
    noise_a, noise_b = model.generator.sample_noise(3), model.generator.sample_noise(3)
    assert noise_a.min() >= -1 and noise_a.max() <= 1
    out_a = model.translate(source, noise_a)
    assert out_a.shape == source.shape
    assert out_a.min() >= -1 and out_a.max() <= 1
    assert torch.equal(out_a, model.translate(source, noise_a))
    assert not torch.allclose(out_a, model.translate(source, noise_b))
    expected = 1 if noise_mode == "channel" else 3
    assert model.generator.noise_projection.out_features == expected * SIZE * SIZE


def test_discriminator_step_updates_discriminator_and_task_model_generator_step_only_generator():
    model = build_pixelda()
    optim = build_optim(model)
    batch = model.data_preprocessor(make_batch(), training=True)
    translated = model.translate(batch["source"]["inputs"])
    before = {name: snapshot(getattr(model, name)) for name in ("generator", "discriminator", "task_model")}
    model.discriminator_step(batch["source"], batch["target"]["inputs"], translated.detach(), optim)
    assert changed(before["discriminator"], model.discriminator, floating_only=True)
    assert changed(before["task_model"], model.task_model, floating_only=True)
    assert not changed(before["generator"], model.generator, floating_only=True)
    before = {name: snapshot(getattr(model, name)) for name in ("generator", "discriminator", "task_model")}
    model.generator_step(batch["source"], translated, optim)
    assert changed(before["generator"], model.generator, floating_only=True)
    assert not changed(before["discriminator"], model.discriminator, floating_only=True)
    assert not changed(before["task_model"], model.task_model, floating_only=True)


def test_task_loss_reaches_classifier_from_source_and_translated_images():
    model = build_pixelda()
    batch = model.data_preprocessor(make_batch(), training=True)
    translated = model.translate(batch["source"]["inputs"])
    for weights, name in (((1.0, 0.0), "source"), ((0.0, 1.0), "translated")):
        model.zero_grad()
        losses = model.task_losses(batch["source"], translated.detach(), *weights)
        assert set(losses) == {name}
        losses[name].backward()
        grads = [p.grad for p in model.task_model.parameters()]
        assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0, name
    # in the G-step the task loss on translated images reaches the generator through the classifier
    model.zero_grad()
    losses = model.task_losses(batch["source"], translated, 0.0, 1.0)
    losses["translated"].backward()
    assert sum(float(p.grad.abs().sum()) for p in model.generator.parameters() if p.grad is not None) > 0


def test_discriminator_sees_translated_as_fake_target_as_real_and_weights_apply():
    model = build_pixelda(lambda_domain=0.5, lambda_adv=0.25, lambda_task_in_g=0.0)
    optim = build_optim(model)
    model.gan_loss = RecordingGANLoss()
    seen: list[torch.Tensor] = []
    model.discriminator.register_forward_hook(lambda module, args, output: seen.append(args[0].detach().clone()))
    batch = make_batch()
    pre = model.data_preprocessor(make_batch(), training=True)
    losses = model.train_step(batch, optim)
    (_, fake_label, d1), (_, real_label, d2), (_, g_label, d3) = model.gan_loss.calls
    assert (fake_label, real_label, g_label) == (FAKE_LABEL, REAL_LABEL, REAL_LABEL)
    assert d1 and d2 and not d3
    assert torch.equal(seen[1], pre["target"]["inputs"])
    assert seen[0].shape == pre["source"]["inputs"].shape and not torch.equal(seen[0], pre["source"]["inputs"])
    assert torch.equal(seen[2], seen[0])  # the G-step judges the same translation
    assert set(losses) == {"loss_domain", "loss_task_source", "loss_task_translated", "loss_adv"}


def test_missing_task_model_in_discriminator_optimizer_fails_clearly():
    model = build_pixelda()
    optim = MultiOptimWrapperConstructor(
        dict(
            generator=dict(optimizer=dict(type="Adam", lr=1e-3), modules=["generator", "task_model"]),
            discriminator=dict(optimizer=dict(type="Adam", lr=1e-3)),
        )
    )(model)
    with pytest.raises(ValueError, match="modules=\\['discriminator', 'task_model'\\]"):
        model.train_step(make_batch(), optim)


def test_similarity_loss_is_pairwise_mse_with_mask():
    predictions = torch.tensor([[[[1.0, 2.0], [3.0, 10.0]]]])
    targets = torch.tensor([[[[0.0, 0.0], [0.0, 0.0]]]])
    # d = [1, 2, 3, 10]: 2 * (mean(d^2) - mean(d)^2) = 2 * (114 / 4 - 16) = 25
    assert float(pairwise_mse(predictions, targets)) == pytest.approx(25.0)
    mask = torch.tensor([[[[1.0, 1.0], [1.0, 0.0]]]])
    # d = [1, 2, 3] over 3 pixels: 2 * (14 / 3 - 4) = 4 / 3
    assert float(pairwise_mse(predictions, targets, mask)) == pytest.approx(4.0 / 3.0)
    model = build_pixelda(lambda_similarity=1.0, similarity_mask_threshold=0.0)
    losses = model.train_step(make_batch(), build_optim(model))
    assert "loss_similarity" in losses and float(losses["loss_similarity"]) > 0


def test_predict_classifies_with_the_task_model():
    model = build_pixelda().eval()
    images = torch.randn(2, 3, SIZE, SIZE)
    predictions = model.predict(images, {"gt_label": torch.tensor([4, 7])})
    expected = model.task_model(images)[-1].argmax(1).tolist()
    assert [p["pred_label"] for p in predictions] == expected
    assert [p["gt_label"] for p in predictions] == [4, 7]
