"""GradientReversal: identity forward, -coeff * grad backward, warm-start schedule values."""

from __future__ import annotations

import math

import pytest
import torch

from dareg.models.utils import GradientReversal, reverse_gradient, warm_start_coefficient
from dareg.registry import MODELS


def test_forward_is_identity_and_backward_is_minus_coeff_times_grad():
    x = torch.randn(3, 5, requires_grad=True)
    upstream = torch.randn(3, 5)
    y = reverse_gradient(x, coeff=0.3)
    assert torch.equal(y, x)
    y.backward(upstream)
    torch.testing.assert_close(x.grad, -0.3 * upstream)


def test_layer_uses_coefficient_of_the_iteration_it_was_given():
    grl = MODELS.build(dict(type="GradientReversal"))
    x = torch.ones(4, requires_grad=True)
    grl.set_iteration(2000)
    grl(x).sum().backward()
    expected = 2.0 / (1.0 + math.exp(-2.0)) - 1.0  # hand value at i = 2k: 0.7616
    torch.testing.assert_close(x.grad, torch.full((4,), -expected))
    assert expected == pytest.approx(0.7616, abs=1e-4)


@pytest.mark.parametrize(
    "iteration,expected",
    [(0, 0.0), (1000, 0.46212), (2000, 0.76159), (4000, 0.96403), (100000, 1.0)],
)
def test_warm_start_schedule_values(iteration, expected):
    # tllib WarmStartGradientReverseLayer(alpha=1, lo=0, hi=1, max_iters=1000) = tanh(i / 2000)
    assert GradientReversal().coefficient(iteration) == pytest.approx(expected, abs=1e-5)
    assert warm_start_coefficient(iteration) == pytest.approx(math.tanh(iteration / 2000), abs=1e-12)


def test_mdd_schedule_and_constant_variant():
    assert GradientReversal(hi=0.1).coefficient(1000) == pytest.approx(0.046212, abs=1e-6)
    # official CDAN: alpha 10 over 10,000 iterations is the same curve
    assert GradientReversal(alpha=10.0, max_iters=10000).coefficient(3000) == pytest.approx(
        GradientReversal().coefficient(3000)
    )
    assert GradientReversal(hi=0.5, warm_start=False).coefficient(0) == 0.5
    with pytest.raises(ValueError, match="max_iters must be positive"):
        GradientReversal(max_iters=0)


def test_iteration_is_saved_with_the_model():
    grl = GradientReversal()
    grl.set_iteration(1234)
    restored = GradientReversal()
    restored.load_state_dict(grl.state_dict())
    assert restored.coeff == grl.coeff == pytest.approx(math.tanh(1234 / 2000))
