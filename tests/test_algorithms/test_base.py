"""BaseAlgorithm helpers and the toy algorithm's adversarial invariants."""

from __future__ import annotations

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from dareg.algorithms import BaseAlgorithm
from dareg.datasets import DomainPairDataset, StreamSampler, domain_collate


def test_frozen_restores_each_parameter_flag():
    module = nn.Linear(2, 2)
    module.bias.requires_grad_(False)  # frozen before (like a BN affine parameter)
    with BaseAlgorithm.frozen(module):
        assert not module.weight.requires_grad and not module.bias.requires_grad
    assert module.weight.requires_grad and not module.bias.requires_grad


def test_missing_optimizer_is_explained():
    wrappers = OptimWrapperDict(a=OptimWrapper(torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)))
    with pytest.raises(KeyError, match=r"optimizer named 'discriminator'.*\['a'\]"):
        BaseAlgorithm.optimizer(wrappers, "discriminator")


def test_forward_rejects_loss_mode():
    with pytest.raises(ValueError, match="inside train_step"):
        BaseAlgorithm().forward(torch.zeros(1), mode="loss")


class _CountBackward(torch.autograd.Function):
    """Identity that counts the backward passes through it."""

    calls = 0

    @staticmethod
    def forward(ctx, inputs):
        return inputs.view_as(inputs)

    @staticmethod
    def backward(ctx, grad):
        _CountBackward.calls += 1
        return grad


@pytest.mark.parametrize(
    "wrapper_kwargs, passes", [(None, 1), (dict(dtype="bfloat16"), 1), (dict(dtype="float16", loss_scale=8.0), 2)]
)
def test_update_jointly_backpropagates_once_unless_each_optimizer_scales_its_loss(wrapper_kwargs, passes):
    from dareg.engine.optimizers.amp_optim_wrapper import AmpOptimWrapper

    torch.manual_seed(0)
    lower, upper = nn.Linear(4, 4), nn.Linear(4, 1)
    inputs = torch.randn(3, 4)

    def wrap(module):
        optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
        return (
            OptimWrapper(optimizer)
            if wrapper_kwargs is None
            else AmpOptimWrapper(optimizer=optimizer, **wrapper_kwargs)
        )

    wrappers = OptimWrapperDict(lower=wrap(lower), upper=wrap(upper))
    params = [*lower.parameters(), *upper.parameters()]
    grads = torch.autograd.grad(upper(lower(inputs)).square().sum(), params)
    expected = [(p - 0.1 * g).detach() for p, g in zip(params, grads)]
    _CountBackward.calls = 0
    loss = _CountBackward.apply(upper(lower(inputs))).square().sum()  # every pass goes through it
    BaseAlgorithm().update_jointly(wrappers, ("lower", "upper"), loss)
    assert _CountBackward.calls == passes  # float16's per-optimizer loss scales need one pass each
    for param, value in zip(params, expected):
        torch.testing.assert_close(param.detach(), value)
        assert param.grad is None  # zeroed after the step
    assert all(wrapper._inner_count == 1 for wrapper in wrappers.values())


def toy_batch(toys):
    pair = DomainPairDataset(source=dict(type="ToyDigits"), target=dict(type="ToyDigits", shift=60))
    return domain_collate([pair[k] for k, _ in zip(StreamSampler(pair, seed=0), range(4))])


def test_toy_updates_touch_only_their_own_submodules(toys):
    model = toys.ToyAdversarial()
    grads_at_step: dict[str, set[str]] = {}

    class Recorder(OptimWrapper):
        def step(self, **kwargs):
            name = "classifier" if self.optimizer.param_groups[0]["params"][0] is model.classifier[1].weight else "d"
            grads_at_step[name] = {n for n, p in model.named_parameters() if p.grad is not None}
            super().step(**kwargs)

    wrappers = OptimWrapperDict(
        classifier=Recorder(torch.optim.SGD(model.classifier.parameters(), lr=0.1)),
        discriminator=Recorder(torch.optim.SGD(model.discriminator.parameters(), lr=0.1)),
    )
    losses = model.train_step(toy_batch(toys), wrappers)
    assert set(losses) == {"loss_cls", "loss_adv", "loss_d"}
    assert all(not v.requires_grad for v in losses.values())
    # the adversarial term reached the classifier through the frozen discriminator without touching it
    assert grads_at_step["classifier"] == {n for n, _ in model.classifier.named_parameters(prefix="classifier")}
    assert grads_at_step["d"] == {n for n, _ in model.discriminator.named_parameters(prefix="discriminator")}


def test_scalars_are_detached_float32_scalars():
    weight = torch.tensor([1.0, 3.0], requires_grad=True)
    loss = (weight * 2).sum()
    out = BaseAlgorithm.scalars(
        {"loss": loss, "loss_bf16": loss.to(torch.bfloat16), "loss_levels": weight * 2, "acc": 0.5}
    )
    assert all(v.dtype == torch.float32 and v.dim() == 0 and not v.requires_grad for v in out.values())
    assert [v.item() for v in out.values()] == [8.0, 8.0, 4.0, 0.5]
