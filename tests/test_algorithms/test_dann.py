"""DANN: what the discriminator sees and with which labels, the reversed gradient, what moves."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from fixtures.feature_adaptation import CLASSIFIER, FEATURES, build, make_batch, optimizers, set_iter
from fixtures.invariants import changed, snapshot

DANN = dict(
    type="DANN",
    classifier=CLASSIFIER,
    discriminator=dict(type="DomainDiscriminator", in_channels=FEATURES, hidden_channels=8),
)


def features_and_logits(model):
    batch = model.data_preprocessor(make_batch(), training=True)
    return model.forward_domains(batch)


def test_discriminator_sees_the_features_and_labels_source_1_target_0():
    model = build(DANN)
    seen = []
    model.discriminator.register_forward_hook(lambda module, args, out: seen.append((args[0].detach(), out.detach())))
    features, logits, num_source = features_and_logits(model)
    losses = model.adversarial_loss(features, logits, num_source)
    ((inputs, domain_logits),) = seen
    torch.testing.assert_close(inputs, features.detach())  # the reversal layer is the identity forward
    expected = 0.5 * (
        F.binary_cross_entropy_with_logits(domain_logits[:num_source], torch.ones(num_source, 1))
        + F.binary_cross_entropy_with_logits(domain_logits[num_source:], torch.zeros(num_source, 1))
    )
    torch.testing.assert_close(losses["loss_adv"], expected)
    hand_accuracy = torch.cat([domain_logits[:num_source] >= 0, domain_logits[num_source:] < 0]).float().mean() * 100
    torch.testing.assert_close(losses["acc_d"], hand_accuracy)


def test_features_get_minus_coeff_times_the_discriminator_gradient():
    model = build(DANN)
    model.eval()  # no BN batch-statistics difference between the two passes
    params_f = list(model.classifier.bottleneck.parameters())
    params_d = list(model.discriminator.parameters())

    def grads(iteration: int | None):
        features, logits, num_source = features_and_logits(model)
        if iteration is None:  # the same loss without reversal
            model.grl.warm_start, model.grl.hi = False, -1.0  # coeff -1: the gradient passes unchanged
        else:
            model.grl.warm_start, model.grl.hi = True, 1.0
            model.grl.set_iteration(iteration)
        loss = model.adversarial_loss(features, logits, num_source)["loss_adv"]
        return torch.autograd.grad(loss, params_f + params_d)

    plain = grads(None)
    reversed_ = grads(2000)
    coeff = model.grl.coefficient(2000)
    for g_plain, g_rev in zip(plain[: len(params_f)], reversed_[: len(params_f)]):
        torch.testing.assert_close(g_rev, -coeff * g_plain)
    for g_plain, g_rev in zip(plain[len(params_f) :], reversed_[len(params_f) :]):
        torch.testing.assert_close(g_rev, g_plain)  # the discriminator itself descends on L_d


def test_train_step_updates_classifier_and_discriminator_with_the_scheduled_coefficient():
    model = build(DANN)
    optim = optimizers(model, "classifier", "discriminator")
    before = {name: snapshot(getattr(model, name)) for name in ("classifier", "discriminator")}
    set_iter(1000)
    losses = model.train_step(make_batch(), optim)
    assert set(losses) == {"loss_cls", "loss_adv", "acc_d", "grl_coeff"}
    assert float(losses["grl_coeff"]) == pytest.approx(0.46212, abs=1e-5)
    assert changed(before["classifier"], model.classifier, floating_only=True)
    assert changed(before["discriminator"], model.discriminator, floating_only=True)
    assert all(torch.isfinite(v) for v in losses.values())


def test_at_iteration_zero_the_classifier_learns_from_the_source_labels_only():
    # coefficient 0: the domain loss sends no gradient into the classifier
    model, reference = build(DANN), build(DANN)
    optim = optimizers(model, "classifier", "discriminator")
    optim_ref = optimizers(reference, "classifier")
    set_iter(0)
    model.train_step(make_batch(), optim)
    batch = reference.data_preprocessor(make_batch(), training=True)
    _, logits, num_source = reference.forward_domains(batch)
    reference.update(optim_ref, "classifier", reference.source_loss(logits, num_source, batch["source"])["loss_cls"])
    for (name, value), expected in zip(
        model.classifier.state_dict().items(), reference.classifier.state_dict().values()
    ):
        torch.testing.assert_close(value, expected, msg=name)


def test_predicts_with_the_classifier():
    model = build(DANN).eval()
    inputs = model.data_preprocessor(make_batch(), training=False)["target"]["inputs"]
    predictions = model.predict(inputs)
    assert [p["pred_label"] for p in predictions] == model.classifier(inputs)[-1].argmax(1).tolist()
