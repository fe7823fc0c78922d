"""CDAN / CDAN+E: the discriminator sees the multilinear map of features and detached predictions,
the entropy weights enter the loss, the random matrices are saved with the model."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from fixtures.feature_adaptation import CLASSIFIER, FEATURES, NUM_CLASSES, build, make_batch, optimizers, set_iter
from fixtures.invariants import changed, snapshot

CDAN = dict(
    type="CDAN",
    classifier=CLASSIFIER,
    discriminator=dict(type="DomainDiscriminator", in_channels=FEATURES * NUM_CLASSES, hidden_channels=8),
)
RANDOMIZED = dict(
    CDAN,
    discriminator=dict(type="DomainDiscriminator", in_channels=32, hidden_channels=8),
    multilinear_map=dict(
        type="RandomizedMultilinearMap", features_dim=FEATURES, num_classes=NUM_CLASSES, output_dim=32
    ),
)


def domain_pass(model):
    seen = []
    model.discriminator.register_forward_hook(lambda module, args, out: seen.append((args[0], out.detach())))
    batch = model.data_preprocessor(make_batch(), training=True)
    features, logits, num_source = model.forward_domains(batch)
    losses = model.adversarial_loss(features, logits, num_source)
    ((inputs, domain_logits),) = seen
    return features, logits, num_source, losses, inputs, domain_logits


def test_discriminator_sees_the_outer_product_of_features_and_detached_probabilities():
    model = build(CDAN)
    features, logits, num_source, losses, inputs, domain_logits = domain_pass(model)
    probabilities = torch.softmax(logits, dim=1)
    hand = torch.stack([torch.outer(p, f).flatten() for p, f in zip(probabilities, features)])
    torch.testing.assert_close(inputs.detach(), hand.detach())
    # plain CDAN: mean BCE over both domains, source labelled 1, target 0
    labels = torch.cat([torch.ones(num_source, 1), torch.zeros(features.shape[0] - num_source, 1)])
    torch.testing.assert_close(losses["loss_adv"], F.binary_cross_entropy_with_logits(domain_logits, labels))
    # the map's gradient reaches the features only (g is detached), reversed
    logits_grad = torch.autograd.grad(losses["loss_adv"], logits, allow_unused=True)[0]
    assert logits_grad is None or logits_grad.abs().sum() == 0


@pytest.mark.parametrize("mode", ["official", "tllib"])
def test_cdan_e_weights_the_domain_loss_by_entropy(mode):
    model = build(dict(CDAN, entropy_conditioning=True, entropy_mode=mode))
    set_iter(3000)
    model.grl.set_iteration(3000)
    features, logits, num_source, losses, inputs, domain_logits = domain_pass(model)
    p = torch.softmax(logits, dim=1).detach()
    w = 1.0 + torch.exp((p * torch.log(p + 1e-5)).sum(dim=1))
    if mode == "official":
        weights = torch.cat([w[:num_source] / w[:num_source].sum(), w[num_source:] / w[num_source:].sum()]) / 2
    else:
        weights = w / w.sum()
    labels = torch.cat([torch.ones(num_source, 1), torch.zeros(features.shape[0] - num_source, 1)])
    per_sample = F.binary_cross_entropy_with_logits(domain_logits, labels, reduction="none").flatten()
    torch.testing.assert_close(losses["loss_adv"].detach(), (weights * per_sample).sum())
    # the official code lets a (reversed) gradient into the entropy, tllib does not
    logits_grad = torch.autograd.grad(losses["loss_adv"], logits, allow_unused=True)[0]
    has_grad = logits_grad is not None and bool(logits_grad.abs().sum() > 0)
    assert has_grad == (mode == "official")


def test_randomized_map_matrices_survive_a_state_dict_round_trip_and_are_not_trained():
    trained = build(RANDOMIZED, seed=0)
    optim = optimizers(trained, "classifier", "discriminator")
    matrices = snapshot(trained.multilinear_map)
    set_iter(10)
    trained.train_step(make_batch(), optim)
    assert not changed(matrices, trained.multilinear_map)
    state = trained.state_dict()
    assert {"multilinear_map.random_features", "multilinear_map.random_probabilities"} <= set(state)
    restored = build(RANDOMIZED, seed=1)  # draws other matrices
    assert changed(matrices, restored.multilinear_map)
    restored.load_state_dict(state)
    assert not changed(matrices, restored.multilinear_map)
    trained.eval(), restored.eval()
    inputs = trained.data_preprocessor(make_batch(), training=False)["target"]["inputs"]
    features = trained.classifier.extract_features(inputs)
    probabilities = torch.softmax(trained.classifier.head(features), dim=1)
    torch.testing.assert_close(
        restored.multilinear_map(features, probabilities), trained.multilinear_map(features, probabilities)
    )


def test_train_step_moves_classifier_and_discriminator():
    model = build(dict(CDAN, entropy_conditioning=True))
    optim = optimizers(model, "classifier", "discriminator")
    before = {name: snapshot(getattr(model, name)) for name in ("classifier", "discriminator")}
    set_iter(500)
    losses = model.train_step(make_batch(), optim)
    assert set(losses) == {"loss_cls", "loss_adv", "acc_d", "grl_coeff"}
    assert changed(before["classifier"], model.classifier, floating_only=True)
    assert changed(before["discriminator"], model.discriminator, floating_only=True)


def test_random_matrices_survive_a_resume_under_the_runner(tmp_path, monkeypatch):
    from mmengine.config import Config

    from dareg.apis import apply_run_options, train
    from dareg.utils.config import load_config

    # the Runner pretty-prints the config with yapf several times per run (~1 s each): skip that
    monkeypatch.setattr(Config, "pretty_text", property(lambda self: f"cfg = {self.to_dict()!r}\n"))

    name = "configs/demo/cdan_digits.py"

    def run(max_iters: int, seed: int, resume: bool):
        cfg = load_config(name)
        apply_run_options(cfg, name, work_dir=str(tmp_path))
        cfg.model.multilinear_map = dict(
            type="RandomizedMultilinearMap", features_dim=256, num_classes=NUM_CLASSES, output_dim=64
        )
        cfg.model.discriminator.update(in_channels=64, hidden_channels=16)
        cfg.train_dataloader.batch_size = 4
        cfg.train_cfg.update(max_iters=max_iters, val_interval=100)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
        cfg.default_hooks.checkpoint.update(interval=2)
        cfg.randomness = dict(seed=seed)
        cfg.resume = resume
        cfg.log_level = "WARNING"
        return train(cfg)

    first = run(max_iters=2, seed=0, resume=False)
    matrices = snapshot(first.model.multilinear_map)
    resumed = run(max_iters=3, seed=1, resume=True)  # another seed would draw other matrices
    assert resumed.iter == 3
    assert not changed(matrices, resumed.model.multilinear_map)
