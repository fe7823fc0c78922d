"""CDAN's multilinear maps and CDAN+E's entropy weights against hand computations."""

from __future__ import annotations

import math

import pytest
import torch

from dareg.models.utils import EntropyConditioning, MultilinearMap, RandomizedMultilinearMap


def test_multilinear_map_is_the_flattened_outer_product():
    f = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    g = torch.tensor([[0.2, 0.8], [1.0, 0.0]])
    out = MultilinearMap()(f, g)
    hand = torch.stack([torch.tensor([g[n, c] * f[n, j] for c in range(2) for j in range(3)]) for n in range(2)])
    torch.testing.assert_close(out, hand)  # entry c * F + j is g_c f_j
    assert out[0, 3:].tolist() == pytest.approx([0.8, 1.6, 2.4])


def test_randomized_map_formula_and_inner_product_statistics():
    torch.manual_seed(0)
    features_dim, num_classes, d = 6, 4, 20000
    rmap = RandomizedMultilinearMap(features_dim, num_classes, output_dim=d)
    f, g = torch.randn(2, features_dim), torch.softmax(torch.randn(2, num_classes), dim=1)
    out = rmap(f, g)
    torch.testing.assert_close(out, (f @ rmap.random_features) * (g @ rmap.random_probabilities) / math.sqrt(d))
    # E <T(f, g), T(f', g')> = <f, f'> <g, g'>: the randomized map preserves the multilinear map's geometry
    exact = MultilinearMap()(f, g)
    for a, b in [(0, 0), (0, 1), (1, 1)]:
        expected = float(exact[a] @ exact[b])
        scale = float(exact[a].norm() * exact[b].norm())
        assert float(out[a] @ out[b]) == pytest.approx(expected, abs=0.1 * scale)
    # the projections are standard Gaussian
    assert float(rmap.random_features.mean()) == pytest.approx(0.0, abs=0.01)
    assert float(rmap.random_features.std()) == pytest.approx(1.0, abs=0.01)


def test_random_matrices_are_saved_and_restored():
    torch.manual_seed(0)
    trained = RandomizedMultilinearMap(5, 3, output_dim=16)
    torch.manual_seed(1)
    fresh = RandomizedMultilinearMap(5, 3, output_dim=16)
    assert not torch.equal(trained.random_features, fresh.random_features)
    state = trained.state_dict()
    assert set(state) == {"random_features", "random_probabilities"}
    fresh.load_state_dict(state)
    f, g = torch.randn(2, 5), torch.rand(2, 3)
    torch.testing.assert_close(fresh(f, g), trained(f, g))
    assert not any(p.requires_grad for p in fresh.parameters())


def hand_weights(p: torch.Tensor) -> torch.Tensor:
    return 1.0 + torch.exp(torch.sum(p * torch.log(p + 1e-5), dim=1))


def test_entropy_weights_official_normalise_per_domain():
    p = torch.tensor([[0.9, 0.1], [0.5, 0.5], [0.99, 0.01], [0.6, 0.4], [0.7, 0.3]])
    w = hand_weights(p)
    source, target = w[:2] / w[:2].sum(), w[2:] / w[2:].sum()
    expected = torch.cat([source, target]) / 2.0  # each domain sums to 1, the loss divides by their sum
    torch.testing.assert_close(EntropyConditioning("official")(p, num_source=2), expected)


def test_entropy_weights_tllib_normalise_over_the_batch():
    p = torch.tensor([[0.9, 0.1], [0.5, 0.5], [0.99, 0.01], [0.6, 0.4]])
    w = hand_weights(p)
    torch.testing.assert_close(EntropyConditioning("tllib")(p, num_source=2), w / w.sum())
    assert EntropyConditioning(None)(p, num_source=2).tolist() == [0.25] * 4


def test_official_entropy_gets_a_reversed_gradient_tllib_none():
    logits = torch.tensor([[2.0, 0.0], [0.3, 0.1]], requires_grad=True)
    per_sample_loss = torch.tensor([1.0, 3.0])

    def gradient(mode: str, coeff: float) -> torch.Tensor | None:
        logits.grad = None
        weights = EntropyConditioning(mode)(torch.softmax(logits, dim=1), num_source=1, coeff=coeff)
        (weights * per_sample_loss).sum().backward()
        return logits.grad

    reference = gradient("official", 1.0).clone()
    assert reference.abs().sum() > 0
    torch.testing.assert_close(gradient("official", 0.5), 0.5 * reference)
    # a hand check of the sign: without the reversal the gradient of (w * l).sum() has the opposite sign
    logits.grad = None
    probabilities = torch.softmax(logits, dim=1)
    entropy = -(probabilities * torch.log(probabilities + 1e-5)).sum(dim=1)
    w = 1.0 + torch.exp(-entropy)
    (torch.cat([w[:1] / w[:1].sum().detach(), w[1:] / w[1:].sum().detach()]) / 2.0 * per_sample_loss).sum().backward()
    torch.testing.assert_close(reference, -logits.grad)
    assert not EntropyConditioning("tllib")(torch.softmax(logits, dim=1), num_source=1).requires_grad


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode must be one of"):
        EntropyConditioning("detached")
