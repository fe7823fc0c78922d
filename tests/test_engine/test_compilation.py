"""dareg.engine.compilation: which networks are compiled, in place, with the same outputs and checkpoint keys.

The compiled runs use TorchDynamo's ``aot_eager`` backend (the whole capture and autograd path,
without inductor's C++ code generation, which takes minutes on a small CPU); the default options
(``inductor``) are checked for how they are parsed and passed on, not run.
"""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

from dareg.engine.compilation import (
    CompileOptions,
    compile_networks,
    compile_targets,
    is_compiled,
    parse_compile_option,
)
from dareg.utils.config import ConfigError

AOT = CompileOptions(backend="aot_eager")


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.norm(self.conv(x))).mean((2, 3))


class Classifier(nn.Module):
    """A network whose parts an algorithm also calls directly (``classifier.head(features)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


class Algorithm(nn.Module):
    """An algorithm's layout: networks, a container of networks, parameter-free losses."""

    def __init__(self) -> None:
        super().__init__()
        self.classifier = Classifier()
        self.discriminators = nn.ModuleList([nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))])
        self.loss = nn.BCEWithLogitsLoss()


def twin_models() -> tuple[Algorithm, Algorithm]:
    torch.manual_seed(0)
    eager = Algorithm()
    compiled = Algorithm()
    compiled.load_state_dict(eager.state_dict())
    return eager, compiled


def test_parse_defaults_off_and_valid_dict():
    assert parse_compile_option(None) is None and parse_compile_option(False) is None
    default = parse_compile_option(True)
    assert default == CompileOptions() and default.backend == "inductor"
    assert default.torch_kwargs() == dict(backend="inductor", dynamic=None, fullgraph=False)
    options = parse_compile_option(dict(backend="aot_eager", mode="max-autotune", dynamic=False, modules=["a.b"]))
    assert options.torch_kwargs() == dict(backend="aot_eager", dynamic=False, fullgraph=False, mode="max-autotune")
    assert options.modules == ("a.b",)
    assert parse_compile_option(options.to_config()) == options  # what a CompileHook entry takes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, r"compile must be True, False or a dict .* got 1 \(int\)"),
        (dict(modes="default"), r"unknown key compile\.modes \(did you mean \['mode'\]\?\)"),
        (dict(backend="inductr"), r"compile\.backend='inductr' is not a TorchDynamo backend here \(did you mean"),
        (dict(mode="fast"), r"compile\.mode='fast' is not a torch.compile mode"),
        (dict(mode="default", options={"x": 1}), r"compile: give mode='default' or options, not both"),
        (dict(dynamic="yes"), r"compile\.dynamic must be None, True or False, got 'yes'"),
        (dict(fullgraph=1), r"compile\.fullgraph must be True or False"),
        (dict(modules="segmentor"), r"compile\.modules must be a non-empty list of sub-module paths"),
    ],
)
def test_bad_values_name_the_key(value, message):
    with pytest.raises(ConfigError, match=message):
        parse_compile_option(value)


def test_targets_are_networks_and_their_composite_parts():
    targets = compile_targets(Algorithm())
    # the ModuleList is descended into, the parameter-free loss skipped; classifier.encoder/head are
    # composite parts an algorithm may call directly; a Sequential's children and single layers are not
    assert list(targets) == ["classifier", "classifier.encoder", "classifier.head", "discriminators.0"]
    explicit = compile_targets(Algorithm(), ["classifier.encoder"])
    assert list(explicit) == ["classifier.encoder"] and isinstance(explicit["classifier.encoder"], Encoder)
    with pytest.raises(KeyError, match=r"no sub-module 'classifier\.decoder'.*children: \['encoder', 'head'\]"):
        compile_targets(Algorithm(), ["classifier.decoder"])


def test_compiled_networks_match_eager_outputs_and_gradients():
    eager, compiled = twin_models()
    assert compile_networks(compiled, AOT) == list(compile_targets(compiled))
    assert all(is_compiled(module) for module in compile_targets(compiled).values())
    assert not is_compiled(compiled.loss)
    torch.manual_seed(1)
    images = torch.randn(4, 3, 12, 12)
    for model in (eager, compiled):
        model.train()
    logits_eager, logits_compiled = eager.classifier(images), compiled.classifier(images)
    torch.testing.assert_close(logits_compiled, logits_eager, rtol=1e-5, atol=1e-6)
    # parts called directly (the way ADDA calls classifier.encoder and classifier.head) agree too
    features_eager, features_compiled = eager.classifier.encoder(images), compiled.classifier.encoder(images)
    torch.testing.assert_close(features_compiled, features_eager, rtol=1e-5, atol=1e-6)
    features = features_eager.detach()
    torch.testing.assert_close(compiled.classifier.head(features), eager.classifier.head(features))
    (logits_eager.square().mean() + eager.discriminators[0](logits_eager).mean()).backward()
    (logits_compiled.square().mean() + compiled.discriminators[0](logits_compiled).mean()).backward()
    for (name, p_eager), p_compiled in zip(eager.named_parameters(), compiled.parameters()):
        torch.testing.assert_close(p_compiled.grad, p_eager.grad, rtol=1e-5, atol=1e-6, msg=name)
    # training-mode batch norm updated the running statistics alike (two forward passes each)
    norm_compiled, norm_eager = compiled.classifier.encoder.norm, eager.classifier.encoder.norm
    torch.testing.assert_close(norm_compiled.running_mean, norm_eager.running_mean)


def _round_trip(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_checkpoints_keep_their_keys_and_move_both_ways():
    eager, compiled = twin_models()
    compile_networks(compiled, AOT)
    assert list(compiled.state_dict()) == list(eager.state_dict())
    assert not any("_orig_mod" in key for key in compiled.state_dict())
    images = torch.randn(2, 3, 12, 12)
    eager.eval()
    compiled.eval()
    # compiled -> eager: perturb the compiled model's weights, save, load strictly into a fresh eager model
    with torch.no_grad():
        for param in compiled.parameters():
            param.add_(0.01)
    fresh_eager = Algorithm().eval()
    fresh_eager.load_state_dict(_round_trip(compiled.state_dict()), strict=True)
    torch.testing.assert_close(fresh_eager.classifier(images), compiled.classifier(images))
    # eager -> compiled: a compiled model loads an eager checkpoint strictly and computes with it
    fresh_compiled = Algorithm().eval()
    compile_networks(fresh_compiled, AOT)
    fresh_compiled.load_state_dict(_round_trip(eager.state_dict()), strict=True)
    torch.testing.assert_close(fresh_compiled.classifier(images), eager.classifier(images))


def test_compiling_twice_is_harmless_and_keeps_the_module_objects():
    model = Algorithm()
    classifier = model.classifier
    compile_networks(model, AOT)
    first = model.classifier._compiled_call_impl
    compile_networks(model, AOT)
    assert model.classifier is classifier and model.classifier._compiled_call_impl is first
