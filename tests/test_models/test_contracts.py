"""The contract every registered model component meets, checked for each registered entry.

For every entry of ``BACKBONES``, ``HEADS``, ``DISCRIMINATORS`` and ``GENERATORS`` (dareg's own and
those of installed plugins), :func:`dareg.testing.check_component` builds it from a tiny config, runs
forward in train mode, backpropagates, checks that nothing is NaN/inf and that trainable parameters
receive gradients, and round-trips its ``state_dict`` into a freshly built instance (same outputs in
eval mode). Plugins call the same function in their own tests.

**Adding a component?** Add one row to ``TINY_CONFIGS[<kind>]``: its name, the smallest config
that builds it, and the shape of a tiny input (or a callable returning the input). A dareg entry
without a row fails :func:`test_component_contract`, so no component goes untested. Plugin entries
without a row are skipped (a plugin tests its components in its own suite).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from dareg.registry import BACKBONES, DISCRIMINATORS, GENERATORS, HEADS
from dareg.testing import check_component


def probabilities(*shape: int) -> Callable[[], torch.Tensor]:
    """Input factory: a softmax map (output-space discriminators expect class probabilities)."""
    return lambda: torch.softmax(torch.randn(*shape), dim=1)


#: kind -> registered name -> dict(cfg=constructor kwargs, input=shape tuple or callable).
TINY_CONFIGS: dict[str, dict[str, dict[str, Any]]] = {
    "backbones": {
        "DeepLabV2ResNet": dict(cfg=dict(depth=50), input=(1, 3, 33, 33)),
        "LeNetEncoder": dict(cfg=dict(), input=(2, 1, 28, 28)),
        "MixTransformer": dict(cfg=dict(arch="mit_b0"), input=(1, 3, 32, 32)),
        "PixelDATaskNet": dict(cfg=dict(), input=(2, 3, 32, 32)),
        "SMPEncoder": dict(cfg=dict(encoder_name="resnet18"), input=(2, 3, 32, 32)),
        "TimmBackbone": dict(cfg=dict(model_name="resnet10t", output_stride=8), input=(1, 3, 32, 32)),
        "TimmPooledBackbone": dict(cfg=dict(model_name="resnet10t"), input=(2, 3, 32, 32)),
        "TorchvisionResNet": dict(cfg=dict(model_name="resnet18"), input=(2, 3, 32, 32)),
    },
    "heads": {
        "ASPPClassifier": dict(cfg=dict(in_channels=8, num_classes=3), input=(1, 8, 9, 9)),
        "Bottleneck": dict(cfg=dict(in_channels=16, out_channels=8, dropout_ratio=0.5), input=(4, 16)),
        "DAFormerHead": dict(
            cfg=dict(in_channels=[4, 6, 8], num_classes=3, embed_dims=4, channels=4),
            input=lambda: ([torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4), torch.randn(2, 8, 2, 2)],),
        ),
        "HeadPair": dict(cfg=dict(head=dict(type="MLPClsHead", in_channels=16, hidden_channels=(8,))), input=(4, 16)),
        "LinearClsHead": dict(cfg=dict(in_channels=16, num_classes=3), input=(2, 16)),
        "MLPClsHead": dict(cfg=dict(in_channels=16, num_classes=3, hidden_channels=(8, 8)), input=(4, 16)),
    },
    "discriminators": {
        "DiscoGANDiscriminator": dict(cfg=dict(base_channels=8), input=(2, 3, 64, 64)),
        "DomainDiscriminator": dict(cfg=dict(in_channels=16, hidden_channels=8, norm="dropout"), input=(4, 16)),
        "FCDiscriminator": dict(cfg=dict(in_channels=4, base_channels=8), input=probabilities(1, 4, 64, 64)),
        "MLPDiscriminator": dict(cfg=dict(in_channels=10, hidden_channels=16), input=(4, 10)),
        "PatchDiscriminator": dict(cfg=dict(base_channels=8), input=(1, 3, 64, 64)),
        "PixelDADiscriminator": dict(cfg=dict(channels=(8, 16, 32, 64), image_size=32), input=(2, 3, 32, 32)),
        "SelfInformationDiscriminator": dict(
            cfg=dict(in_channels=4, discriminator=dict(type="FCDiscriminator", base_channels=8)),
            input=probabilities(1, 4, 64, 64),
        ),
    },
    "generators": {
        "DiscoGANGenerator": dict(cfg=dict(base_channels=8), input=(1, 3, 64, 64)),
        "PixelDAGenerator": dict(cfg=dict(num_res_blocks=1, base_channels=8, image_size=32), input=(2, 3, 32, 32)),
        "ResnetGenerator": dict(cfg=dict(base_channels=8, num_blocks=1), input=(1, 3, 32, 32)),
        "UnetGenerator": dict(cfg=dict(num_downs=5, base_channels=8), input=(2, 3, 32, 32)),
    },
}

REGISTRIES = {"backbones": BACKBONES, "heads": HEADS, "discriminators": DISCRIMINATORS, "generators": GENERATORS}


def registered_entries() -> list[tuple[str, str]]:
    return [(kind, name) for kind, registry in REGISTRIES.items() for name in registry.names()]


@pytest.mark.parametrize("kind,name", registered_entries(), ids=lambda value: str(value))
def test_component_contract(kind: str, name: str):
    cls = REGISTRIES[kind].get(name)
    if name not in TINY_CONFIGS[kind]:
        if not cls.__module__.startswith("dareg."):
            pytest.skip(f"{name} comes from a plugin ({cls.__module__}) without a row here")
        pytest.fail(
            f"{kind[:-1]} '{name}' ({cls.__module__}) is registered but has no tiny config: add a row "
            f"TINY_CONFIGS['{kind}']['{name}'] = dict(cfg=..., input=...) in tests/test_models/test_contracts.py"
        )
    row = TINY_CONFIGS[kind][name]
    check_component(REGISTRIES[kind], dict(type=name, **row["cfg"]), row["input"])
