"""ChannelsLastHook and ActivationCheckpointHook change memory layout / activation storage, not the math."""

from __future__ import annotations

import pytest
import torch
from mmengine.config import Config
from torch import nn

from dareg.apis import build_runner
from dareg.registry import ALGORITHMS, MODELS


@pytest.fixture
def conv_toys(toys):
    class ToyConvAdversarial(toys.ToyAdversarial):
        """The toy algorithm with a convolution first, so memory formats and recomputation matter."""

        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.classifier = nn.Sequential(
                nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.2), nn.Linear(256, 3)
            )

    ALGORITHMS.register_module(module=ToyConvAdversarial, force=True)
    yield toys
    ALGORITHMS._module_dict.pop("ToyConvAdversarial", None)
    MODELS._module_dict.pop("ToyConvAdversarial", None)


def run(toys, work_dir, hooks, probe=None):
    cfg = Config(
        toys.toy_config(
            work_dir,
            model=dict(type="ToyConvAdversarial"),
            train_cfg=dict(type="ResumableIterBasedTrainLoop", max_iters=2),
            custom_hooks=[dict(type="RandomStateHook"), *hooks],
        )
    )

    runner = build_runner(cfg)
    if probe is not None:
        probe(runner.model)
    runner.train()
    return runner


def test_channels_last_trains_the_same_model(conv_toys, tmp_path):
    seen = []

    def probe(model):
        model.classifier[0].register_forward_pre_hook(
            lambda module, args: seen.append(args[0].is_contiguous(memory_format=torch.channels_last))
        )

    plain = run(conv_toys, tmp_path / "plain", [])
    nhwc = run(conv_toys, tmp_path / "nhwc", [dict(type="ChannelsLastHook")], probe)
    assert seen and all(seen)  # the preprocessed images reach the network in NHWC
    assert nhwc.model.classifier[0].weight.is_contiguous(memory_format=torch.channels_last)
    for (name, a), b in zip(plain.model.state_dict().items(), nhwc.model.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name, atol=1e-5, rtol=1e-5)


def test_activation_checkpointing_recomputes_and_trains_the_same_model(conv_toys, tmp_path):
    calls = {}

    def counter(key):
        def probe(model):
            calls[key] = 0

            def hook(module, args):
                calls[key] += 1

            model.classifier[0].register_forward_pre_hook(hook)

        return probe

    plain = run(conv_toys, tmp_path / "plain", [], counter("plain"))
    hooks = [dict(type="ActivationCheckpointHook", modules=["classifier"])]
    ckpt = run(conv_toys, tmp_path / "ckpt", hooks, counter("ckpt"))
    # per iteration: source + target forward, and with checkpointing their recomputation in backward
    assert (calls["plain"], calls["ckpt"]) == (4, 8)
    for (name, a), b in zip(plain.model.state_dict().items(), ckpt.model.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)  # dropout masks are replayed: identical training


def test_activation_checkpoint_names_missing_modules(conv_toys, tmp_path):
    with pytest.raises(KeyError, match=r"no sub-module 'classifier.backbone'.*children: \['0', '1', '2', '3', '4'\]"):
        run(conv_toys, tmp_path, [dict(type="ActivationCheckpointHook", modules=["classifier.backbone"])])


def test_a_pattern_checkpoints_every_mit_block_each_on_its_own_with_the_same_gradients():
    from types import SimpleNamespace

    from dareg.engine.hooks import ActivationCheckpointHook
    from dareg.models.backbones import MixTransformer

    torch.manual_seed(0)
    plain = nn.Module()
    plain.task_model = nn.Module()
    plain.task_model.backbone = MixTransformer("mit_b0", drop_path_rate=0.3)  # stochastic depth: replayed
    checkpointed = __import__("copy").deepcopy(plain)
    ActivationCheckpointHook(["task_model.backbone.encoder.block*.*"]).before_train(SimpleNamespace(model=checkpointed))
    encoder = checkpointed.task_model.backbone.encoder
    patched = sorted(name for name, module in encoder.named_modules() if getattr(module, "_dareg_checkpointed", False))
    assert patched == [f"block{stage}.{index}" for stage in range(1, 5) for index in range(2)]  # blocks, not parts
    calls = []
    encoder.block3[1].attn.register_forward_pre_hook(lambda module, args: calls.append(1))
    images = torch.rand(2, 3, 64, 64)
    gradients = []
    for model in (plain, checkpointed):
        torch.manual_seed(1)
        sum(feature.square().mean() for feature in model.task_model.backbone(images)).backward()
        gradients.append({name: p.grad for name, p in model.named_parameters()})
    assert len(calls) == 2  # forward, and again in the backward pass
    for name, grad in gradients[0].items():
        torch.testing.assert_close(gradients[1][name], grad, msg=name)


def test_a_pattern_that_matches_nothing_names_the_part_and_the_children(conv_toys, tmp_path):
    hooks = [dict(type="ActivationCheckpointHook", modules=["classifier.block*"])]
    message = r"nothing in .* matches 'classifier.block\*' \(no match for 'block\*' among \['0'"
    with pytest.raises(KeyError, match=message):
        run(conv_toys, tmp_path, hooks)
