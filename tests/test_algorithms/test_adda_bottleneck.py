"""ADDA and SourceOnly with a bottleneck classifier (the tllib ResNet setting): the target encoder is
backbone + bottleneck, copied from the source once, and the discriminator sees bottleneck features."""

from __future__ import annotations

import torch
from fixtures.feature_adaptation import CLASSIFIER, FEATURES, build, make_batch, optimizers, set_iter
from fixtures.invariants import changed, snapshot

ADDA = dict(
    type="ADDA",
    classifier=CLASSIFIER,
    discriminator=dict(type="DomainDiscriminator", in_channels=FEATURES, hidden_channels=8),
    pretrain_iters=1,
)


def test_target_encoder_is_backbone_plus_bottleneck_copied_at_the_boundary():
    model = build(ADDA)
    assert {name.split(".")[0] for name in model.target_encoder.state_dict()} == {"backbone", "bottleneck"}
    optim = optimizers(model, "classifier", "target_encoder", "discriminator")
    set_iter(0)
    model.train_step(make_batch(), optim)  # phase 1 moves the source encoder
    set_iter(1)
    seen = []
    model.discriminator.register_forward_hook(lambda module, args, out: seen.append(args[0].detach()))
    source_before = snapshot(model.classifier)
    model.train_step(make_batch(), optim)
    assert not changed(source_before, model.classifier)
    batch = model.data_preprocessor(make_batch(), training=True)
    with torch.no_grad():
        source_features = model.classifier.extract_features(batch["source"]["inputs"])
    torch.testing.assert_close(seen[0], source_features)  # bottleneck output of the frozen source network
    assert seen[0].shape[1] == FEATURES


def test_source_only_trains_a_bottleneck_classifier():
    model = build(dict(type="SourceOnly", task_model=CLASSIFIER))
    optim = optimizers(model, "task_model")
    before = snapshot(model.task_model.bottleneck)
    model.train_step(make_batch(), optim)
    assert changed(before, model.task_model.bottleneck, floating_only=True)
