"""ADDA: which parameters change in which phase, what the discriminator sees, the target encoder copy."""

from __future__ import annotations

import copy
import shutil
import uuid

import pytest
import torch
from fixtures.invariants import RecordingGANLoss, changed, snapshot
from mmengine.config import Config
from mmengine.logging import MessageHub

from dareg.algorithms.adda import ADDA, SOURCE_LABEL, TARGET_LABEL, domain_logit
from dareg.apis import train
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

CLASSIFIER = dict(
    type="ImageClassifier",
    backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0),
    head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
)
OPTIM = dict(
    classifier=dict(optimizer=dict(type="Adam", lr=1e-3)),
    target_encoder=dict(optimizer=dict(type="Adam", lr=1e-3)),
    discriminator=dict(optimizer=dict(type="Adam", lr=1e-3)),
)


def build_adda(**kwargs) -> ADDA:
    torch.manual_seed(0)
    cfg = dict(
        classifier=CLASSIFIER,
        discriminator=dict(type="MLPDiscriminator", in_channels=500, hidden_channels=32),
        pretrain_iters=2,
        data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
    )
    cfg.update(kwargs)
    return ADDA(**cfg)


def make_batch(n: int = 4) -> dict:
    generator = torch.Generator().manual_seed(1)

    def domain(offset: int) -> dict:
        images = torch.randint(0, 128, (n, 1, 28, 28), generator=generator, dtype=torch.uint8) + offset
        return {"inputs": images, "data_samples": {"gt_label": torch.arange(n) % 10}}

    return {"source": domain(0), "target": domain(100)}


def set_iter(iteration: int) -> None:
    hub = MessageHub.get_instance(f"test-adda-{uuid.uuid4().hex}")  # becomes the current instance
    hub.update_info("iter", iteration)


def test_phase1_trains_only_the_source_network():
    adda = build_adda()
    optim = MultiOptimWrapperConstructor(OPTIM)(adda)
    target_before, disc_before = snapshot(adda.target_encoder), snapshot(adda.discriminator)
    source_before = snapshot(adda.classifier)
    set_iter(0)
    losses = adda.train_step(make_batch(), optim)
    assert set(losses) == {"loss_cls"}
    assert changed(source_before, adda.classifier)
    assert not changed(target_before, adda.target_encoder)
    assert not changed(disc_before, adda.discriminator)
    assert not bool(adda.target_encoder_initialised)


def test_target_encoder_starts_as_exact_copy_of_source_encoder():
    adda = build_adda()
    # a target encoder that does not learn shows its starting point after the first phase-2 step
    optim = MultiOptimWrapperConstructor({**OPTIM, "target_encoder": dict(optimizer=dict(type="SGD", lr=0.0))})(adda)
    set_iter(0)
    adda.train_step(make_batch(), optim)  # phase 1 moves the source encoder away from its init
    assert any(
        not torch.equal(a, b) for a, b in zip(adda.target_encoder.parameters(), adda.classifier.backbone.parameters())
    )
    set_iter(2)
    adda.train_step(make_batch(), optim)
    assert bool(adda.target_encoder_initialised)
    for key, value in adda.classifier.backbone.state_dict().items():
        assert torch.equal(adda.target_encoder.state_dict()[key], value), key


def test_phase2_freezes_source_network_and_trains_target_encoder_and_discriminator():
    adda = build_adda()
    optim = MultiOptimWrapperConstructor(OPTIM)(adda)
    set_iter(2)
    source_before = snapshot(adda.classifier)
    disc_before = snapshot(adda.discriminator)
    adda.initialise_target_encoder()
    target_before = snapshot(adda.target_encoder)
    for iteration in (2, 3, 4):
        set_iter(iteration)
        losses = adda.train_step(make_batch(), optim)
    assert set(losses) == {"loss_d", "acc_d", "loss_map"}
    assert not changed(source_before, adda.classifier)
    assert changed(target_before, adda.target_encoder)
    assert changed(disc_before, adda.discriminator)
    assert all(p.requires_grad for p in adda.discriminator.parameters())  # frozen() restored the flags


def test_mapping_loss_updates_only_the_target_encoder():
    adda = build_adda()
    optim = MultiOptimWrapperConstructor(OPTIM)(adda)
    adda.initialise_target_encoder()
    batch = adda.data_preprocessor(make_batch(), training=True)
    embedding = adda.embed(adda.target_encoder, batch["target"]["inputs"])
    before = {name: snapshot(getattr(adda, name)) for name in ("classifier", "discriminator", "target_encoder")}
    adda.mapping_step(embedding, optim)
    assert changed(before["target_encoder"], adda.target_encoder)
    assert not changed(before["discriminator"], adda.discriminator)
    assert not changed(before["classifier"], adda.classifier)


@pytest.mark.parametrize("adapt_on", ["features", "logits"])
def test_discriminator_sees_source_labelled_source_and_target_labelled_target(adapt_on):
    in_channels = 500 if adapt_on == "features" else 10
    adda = build_adda(
        adapt_on=adapt_on, discriminator=dict(type="MLPDiscriminator", in_channels=in_channels, hidden_channels=16)
    )
    optim = MultiOptimWrapperConstructor(OPTIM)(adda)
    adda.gan_loss = RecordingGANLoss()
    batch = make_batch()
    set_iter(5)
    adda.initialise_target_encoder()
    # the discriminator's inputs, by hand, before any update
    pre = adda.data_preprocessor(copy.deepcopy(batch), training=True)
    with torch.no_grad():
        adda.classifier.eval()
        source_features = adda.classifier.backbone(pre["source"]["inputs"])
        target_features = adda.target_encoder(pre["target"]["inputs"])
        if adapt_on == "logits":
            source_features = adda.classifier.head(source_features)
            target_features = adda.classifier.head(target_features)
        disc_before = copy.deepcopy(adda.discriminator)
        expected_source_logits = domain_logit(disc_before(source_features))
        expected_target_logits = domain_logit(disc_before(target_features))
    seen: list[torch.Tensor] = []
    adda.discriminator.register_forward_hook(lambda module, args, output: seen.append(args[0].detach().clone()))
    adda.train_step(batch, optim)

    calls = adda.gan_loss.calls
    (source_logits, source_label, d1), (target_logits, target_label, d2), (map_logits, map_label, d3) = calls
    assert SOURCE_LABEL != TARGET_LABEL
    # D step: source encodings labelled source, target encodings labelled target
    assert torch.allclose(seen[0], source_features) and source_label == SOURCE_LABEL and d1
    assert torch.allclose(source_logits, expected_source_logits)
    assert torch.allclose(seen[1], target_features) and target_label == TARGET_LABEL and d2
    assert torch.allclose(target_logits, expected_target_logits)
    # mapping step: target encodings, inverted label (source), generator side of the GAN loss
    assert torch.allclose(seen[2], target_features) and map_label == SOURCE_LABEL and not d3
    assert not torch.allclose(map_logits, expected_target_logits)  # D was updated in between


def test_two_logit_discriminator_loss_equals_softmax_cross_entropy():
    outputs = torch.tensor([[0.3, -1.2], [2.0, 0.5]])
    labels = torch.tensor([1, 0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(domain_logit(outputs), labels.float())
    assert torch.allclose(bce, torch.nn.functional.cross_entropy(outputs, labels))


def test_resume_in_phase2_does_not_recopy_the_target_encoder():
    adda = build_adda()
    optim = MultiOptimWrapperConstructor(OPTIM)(adda)
    for iteration in range(4):
        set_iter(iteration)
        adda.train_step(make_batch(), optim)
    state = snapshot(adda)
    source_encoder = adda.classifier.backbone.state_dict()
    assert any(not torch.equal(state[f"target_encoder.{k}"], v) for k, v in source_encoder.items())
    resumed = build_adda()
    resumed.load_state_dict(state)
    assert bool(resumed.target_encoder_initialised)
    assert not resumed.initialise_target_encoder()
    for key, value in state.items():
        assert torch.equal(resumed.state_dict()[key], value), key


def test_predict_uses_target_encoder_after_adaptation_started():
    adda = build_adda().eval()
    images = torch.randn(3, 1, 28, 28)
    assert torch.equal(adda.forward_tensor(images)[-1], adda.classifier(images)[-1])
    adda.initialise_target_encoder()
    with torch.no_grad():
        adda.target_encoder.fc.bias.add_(1.0)
    expected = adda.classifier.head(adda.target_encoder(images))
    assert torch.equal(adda.forward_tensor(images)[-1], expected)
    predictions = adda.predict(images, {"gt_label": torch.tensor([1, 2, 3])})
    assert [p["gt_label"] for p in predictions] == [1, 2, 3]
    assert [p["pred_label"] for p in predictions] == expected.argmax(1).tolist()


# --- through the Runner: resume in either phase is bit-identical -----------------------------------
def runner_config(work_dir, **overrides) -> dict:
    data = dict(type="EmbeddedDigitsDataset", image_size=28, channels=1, seed=0, pipeline=[dict(type="PackInputs")])
    cfg = dict(
        default_scope="dareg",
        work_dir=str(work_dir),
        model=dict(
            type="ADDA",
            classifier=dict(CLASSIFIER, backbone=dict(CLASSIFIER["backbone"], dropout_ratio=0.5)),
            discriminator=dict(type="MLPDiscriminator", in_channels=500, hidden_channels=16),
            pretrain_iters=3,
            data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
        ),
        train_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type="StreamSampler", shuffle=True),
            collate_fn=dict(type="dareg.domain_collate"),
            dataset=dict(
                type="DomainPairDataset",
                source=dict(data, domain="source", split="train"),
                target=dict(data, domain="target", split="train"),
            ),
        ),
        optim_wrapper=dict(constructor="MultiOptimWrapperConstructor", **OPTIM),
        train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=6),
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=2, by_epoch=False),
        ),
        custom_hooks=[dict(type="RandomStateHook")],
        randomness=dict(seed=3),
        log_level="WARNING",
    )
    cfg.update(overrides)
    return cfg


def test_runner_resume_in_either_phase_is_exact(tmp_path):
    full = train(Config(runner_config(tmp_path / "full"))).model.state_dict()
    assert bool(full["target_encoder_initialised"])
    for checkpoint in ("iter_2.pth", "iter_4.pth"):  # phase 1 (before the copy), phase 2 (after it)
        shutil.copy(tmp_path / "full" / checkpoint, tmp_path / checkpoint)
        work_dir = tmp_path / checkpoint.replace(".pth", "")
        cfg = runner_config(work_dir, resume=True, load_from=str(tmp_path / checkpoint))
        resumed = train(Config(cfg)).model.state_dict()
        for key in full:
            assert torch.equal(full[key], resumed[key]), (checkpoint, key)


def test_stage_by_stage_equals_one_run(tmp_path):
    """Stage 1 alone (max_iters = pretrain_iters), then --resume into stage 2, equals the one-run result."""
    full = train(Config(runner_config(tmp_path / "full"))).model.state_dict()
    stage1 = runner_config(tmp_path / "staged", train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=3))
    assert not bool(train(Config(stage1)).model.target_encoder_initialised)
    staged = train(Config(runner_config(tmp_path / "staged", resume=True))).model.state_dict()
    for key in full:
        assert torch.equal(full[key], staged[key]), key
