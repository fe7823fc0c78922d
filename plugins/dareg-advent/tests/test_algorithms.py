"""MinEnt and AdvEnt: what each step computes, which parameters move, what the discriminators see."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from advent_helpers import two_domain_batch
from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from dareg.models.segmentors.multi_level_segmentor import resize_logits
from dareg.registry import ALGORITHMS

from dareg_advent import AdvEnt, MinEnt, SelfInformationDiscriminator
from dareg_advent.losses import EntropyLoss, self_information


def optimizers(model, *names: str):
    cfg = {name: dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.0)) for name in names}
    return MultiOptimWrapperConstructor(cfg)(model)


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters() if p.requires_grad}


def changed(module: torch.nn.Module, before: dict[str, torch.Tensor]) -> bool:
    return any(not torch.equal(p, before[name]) for name, p in module.named_parameters() if name in before)


def capture_inputs(module: torch.nn.Module) -> list[torch.Tensor]:
    seen: list[torch.Tensor] = []
    module.register_forward_pre_hook(lambda _module, args: seen.append(args[0].detach().clone()))
    return seen


def capture_outputs(module: torch.nn.Module) -> list[list[torch.Tensor]]:
    seen: list[list[torch.Tensor]] = []
    module.register_forward_hook(lambda _module, _args, out: seen.append([o.detach().clone() for o in out]))
    return seen


# --- MinEnt ------------------------------------------------------------------------------------------
def test_minent_step_logs_source_and_weighted_target_entropy(tiny_segmentor):
    torch.manual_seed(0)
    model = ALGORITHMS.build(dict(type="MinEnt", segmentor=tiny_segmentor))
    assert isinstance(model, MinEnt) and model.lambda_ent == (0.0002, 0.001)
    batch = two_domain_batch()
    reference = copy.deepcopy(model)
    before = snapshot(model.segmentor)
    losses = model.train_step(batch, optimizers(model, "segmentor"))
    assert set(losses) == {"loss_seg", "loss_seg_aux", "loss_ent", "loss_ent_aux"}
    assert all(v.ndim == 0 and not v.requires_grad for v in losses.values())
    # the entropy terms, computed by hand on the weights before the step
    target = batch["target"]["inputs"].float()
    with torch.no_grad():
        aux, main = reference.segmentor(target)
    entropy = EntropyLoss()
    assert float(losses["loss_ent"]) == pytest.approx(0.001 * float(entropy(resize_logits(main, (32, 32)))), rel=1e-4)
    expected_aux = 0.0002 * float(entropy(resize_logits(aux, (32, 32))))
    assert float(losses["loss_ent_aux"]) == pytest.approx(expected_aux, rel=1e-4)
    assert changed(model.segmentor, before)


def test_minent_lowers_target_entropy(tiny_segmentor):
    torch.manual_seed(0)
    model = ALGORITHMS.build(dict(type="MinEnt", segmentor=tiny_segmentor, lambda_ent=(0.0, 5.0)))
    batch = two_domain_batch(seed=1)
    optim = optimizers(model, "segmentor")
    entropies = [float(model.train_step(batch, optim)["loss_ent"]) for _ in range(4)]
    assert "loss_ent_aux" not in model.train_step(batch, optim)  # weight 0: not computed
    assert entropies[-1] < entropies[0]


def test_minent_weights_must_match_levels(tiny_segmentor):
    with pytest.raises(ValueError, match="one weight per segmentor level"):
        MinEnt(segmentor=tiny_segmentor, lambda_ent=0.001)
    with pytest.raises(ValueError, match="SourceOnly"):
        MinEnt(segmentor=tiny_segmentor, lambda_ent=(0.0, 0.0))


def test_minent_predicts_label_sized_maps(tiny_segmentor):
    model = MinEnt(segmentor=tiny_segmentor).eval()
    batch = two_domain_batch()["source"]
    results = model.val_step(batch)
    assert len(results) == 1 and results[0]["pred_seg"].shape == (32, 32)
    assert torch.equal(results[0]["gt_seg"], batch["data_samples"]["gt_seg"][0])


# --- AdvEnt ------------------------------------------------------------------------------------------
def test_advent_discriminators_see_self_information_maps(tiny_segmentor):
    torch.manual_seed(0)
    model = ALGORITHMS.build(dict(type="AdvEnt", segmentor=tiny_segmentor))
    assert isinstance(model, AdvEnt)
    assert all(isinstance(d, SelfInformationDiscriminator) for d in model.discriminators)
    assert [d.discriminator.features[0].in_channels for d in model.discriminators] == [5, 5]
    seen_by = [capture_inputs(d.discriminator) for d in model.discriminators]
    segmentor_outputs = capture_outputs(model.segmentor)
    batch = two_domain_batch()
    model.train_step(batch, optimizers(model, "segmentor", "discriminators"))
    (src_aux, src_main), (tgt_aux, tgt_main) = segmentor_outputs

    def info(logits):
        return self_information(F.softmax(resize_logits(logits, (32, 32)), dim=1))

    # per level: adversarial step on target, then the discriminator step on source and on target
    for seen, (src, tgt) in zip(seen_by, [(src_aux, tgt_aux), (src_main, tgt_main)]):
        assert len(seen) == 3
        for got, expected in zip(seen, [info(tgt), info(src), info(tgt)]):
            assert torch.allclose(got, expected, atol=1e-6)
            assert float(got.sum(1).max()) <= 1.0 + 1e-5  # entropy normalised by log2(C)
        assert not torch.allclose(seen[0], F.softmax(resize_logits(tgt, (32, 32)), dim=1))


def test_advent_losses_by_hand_and_parameters_that_move(tiny_segmentor):
    torch.manual_seed(0)
    model = AdvEnt(segmentor=tiny_segmentor)
    assert model.lambda_adv == (0.0002, 0.001)
    assert (model.source_label, model.target_label) == (0.0, 1.0)
    batch = two_domain_batch(seed=2)
    reference = copy.deepcopy(model)
    seg_before, disc_before = snapshot(model.segmentor), snapshot(model.discriminators)
    losses = model.train_step(batch, optimizers(model, "segmentor", "discriminators"))
    assert {"loss_seg", "loss_seg_aux", "loss_adv", "loss_adv_aux", "loss_d", "loss_d_aux"} <= set(losses)
    # target pushed towards the source label 0 through the main discriminator, BCE with logits
    with torch.no_grad():
        _, tgt_main = reference.segmentor(batch["target"]["inputs"].float())
        probs = F.softmax(resize_logits(tgt_main, (32, 32)), dim=1)
        logits = reference.discriminators[1].discriminator(self_information(probs))
    expected = 0.001 * F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
    assert float(losses["loss_adv"]) == pytest.approx(float(expected), rel=1e-4)
    assert changed(model.segmentor, seg_before)
    assert changed(model.discriminators, disc_before)


def test_advent_keeps_a_custom_discriminator_inside_the_wrapper(tiny_segmentor):
    model = AdvEnt(segmentor=tiny_segmentor, discriminator=dict(type="FCDiscriminator", base_channels=8))
    inner = model.discriminators[0].discriminator
    assert inner.features[0].out_channels == 8 and inner.features[0].in_channels == 5


def test_advent_trains_under_mixed_precision(tiny_segmentor):
    """``--amp``: dareg's AmpOptimWrapper (bfloat16 on the CPU); the entropy maps stay finite."""
    from mmengine.registry import init_default_scope

    init_default_scope("dareg")
    torch.manual_seed(0)
    model = AdvEnt(segmentor=tiny_segmentor)
    names = ("segmentor", "discriminators")
    wrappers = MultiOptimWrapperConstructor(
        {name: dict(type="AmpOptimWrapper", optimizer=dict(type="SGD", lr=0.01)) for name in names}
    )(model)
    assert all(type(wrappers[name]).__name__ == "AmpOptimWrapper" for name in names)
    seen = capture_inputs(model.discriminators[1].discriminator)
    losses = model.train_step(two_domain_batch(), wrappers)
    assert all(torch.isfinite(value) for value in losses.values())
    assert all(torch.isfinite(x).all() and float(x.sum(1).max()) <= 1.0 + 1e-2 for x in seen)
