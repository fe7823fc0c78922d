"""CyCADA stage (b): the semantic-consistency network never changes; semantic gradients reach G."""

from __future__ import annotations

import pytest
import torch
from fixtures.translation import ChangeRecorder, random_pair_batch, single_thread

from dareg.registry import ALGORITHMS

TASK_MODEL = dict(
    type="ImageClassifier",
    backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.5, feature_relu=True),
    head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
)
PRE = dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5])


def stage_a_checkpoint(tmp_path) -> tuple[str, dict]:
    torch.manual_seed(1)
    source_only = ALGORITHMS.build(dict(type="SourceOnly", task_model=TASK_MODEL, data_preprocessor=PRE))
    path = tmp_path / "stage_a.pth"
    torch.save({"state_dict": source_only.state_dict(), "meta": {}}, path)
    return str(path), {k: v.clone() for k, v in source_only.task_model.state_dict().items()}


def build(checkpoint: str | None, **overrides):
    torch.manual_seed(0)
    cfg = dict(
        type="CyCADA",
        generator=dict(type="ResnetGenerator", in_channels=1, out_channels=1, base_channels=4, num_blocks=1),
        discriminator=dict(type="PatchDiscriminator", in_channels=1, base_channels=4, num_layers=2),
        task_model=TASK_MODEL,
        task_checkpoint=checkpoint,
        lambda_cycle=1.0,
        lambda_identity=0.0,
        pool_size=4,
        data_preprocessor=PRE,
    )
    return ALGORITHMS.build({**cfg, **overrides})


def test_task_network_is_loaded_frozen_and_never_changes(tmp_path):
    checkpoint, stage_a = stage_a_checkpoint(tmp_path)
    model = build(checkpoint)
    task = model.semantic_loss.task_model
    assert all(torch.equal(task.state_dict()[k], v) for k, v in stage_a.items())
    recorder = ChangeRecorder(model)
    model.train()
    model.init_weights()  # what the Runner does before training: must not touch the loaded network
    for seed in range(2):
        losses = model.train_step(random_pair_batch(size=28, channels=1, seed=seed), recorder.wrappers)
    assert {"loss_sem_a2b", "loss_sem_b2a"} <= set(losses) and all(torch.isfinite(v) for v in losses.values())
    assert not task.training and all(not p.requires_grad for p in task.parameters())
    assert all(torch.equal(task.state_dict()[k], v) for k, v in stage_a.items())  # weights and buffers
    changed = recorder.changed["generators"] | recorder.changed["discriminators"]
    assert not any(name.startswith("semantic_loss.") for name in changed)
    assert recorder.changed["generators"] == recorder.params_of("generators")


def test_semantic_loss_gradient_reaches_the_generator_only(tmp_path):
    checkpoint, _ = stage_a_checkpoint(tmp_path)
    model = build(checkpoint, lambda_semantic=2.0, semantic_directions=("a2b",))
    batch = model.data_preprocessor(random_pair_batch(size=28, channels=1), training=True)
    images = model.translate_both(batch["source"]["inputs"], batch["target"]["inputs"])
    losses = model.generator_losses(images, batch)
    assert "loss_sem_b2a" not in losses
    task = model.semantic_loss.task_model
    with torch.no_grad():
        labels = task(images["real_a"])[-1].argmax(1)
        expected = 2.0 * torch.nn.functional.cross_entropy(task(images["fake_b"])[-1], labels)
    assert losses["loss_sem_a2b"].item() == pytest.approx(float(expected), rel=1e-5)
    losses["loss_sem_a2b"].backward()
    assert all(p.grad is not None for p in model.generators["a2b"].parameters())
    assert all(p.grad is None for p in model.generators["b2a"].parameters())
    assert all(p.grad is None for p in task.parameters())


def test_task_space_conversion_between_normalisations():
    model = build(
        None,
        data_preprocessor=PRE,
        task_data_preprocessor=dict(type="DomainDataPreprocessor", mean=[0.0], std=[255.0]),
    )
    pixels = torch.tensor([0.0, 127.5, 255.0]).view(1, 1, 1, 3)
    generator_space = (pixels - 127.5) / 127.5
    assert torch.allclose(model.to_task_space(generator_space), pixels / 255.0)
    assert torch.equal(build(None).to_task_space(generator_space), generator_space)


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()
