"""Registries: per-kind listing, building by name under a real Runner, clear unknown-type errors."""

from __future__ import annotations

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch import nn

from dareg.registry import (
    ALGORITHMS,
    BACKBONES,
    DISCRIMINATORS,
    GENERATORS,
    HEADS,
    LOSSES,
    MODEL_KINDS,
    MODELS,
    UnknownTypeError,
)
from dareg.utils.config import check_config_types


class _TinyBackbone(nn.Module):
    """A registered-in-test backbone."""

    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, width, 3)


@pytest.fixture
def tiny_backbone():
    BACKBONES.register_module(module=_TinyBackbone, force=True)
    yield _TinyBackbone
    BACKBONES._module_dict.pop("_TinyBackbone", None)
    MODELS._module_dict.pop("_TinyBackbone", None)


def test_each_kind_lists_only_its_own_entries(tiny_backbone):
    assert "_TinyBackbone" in BACKBONES.names()
    assert "_TinyBackbone" in MODELS.names()  # mirrored, so the Runner finds it
    for kind, registry in MODEL_KINDS.items():
        if registry is not BACKBONES:
            assert "_TinyBackbone" not in registry.names(), kind
    assert "GANLoss" in LOSSES.names()
    assert "GANLoss" not in BACKBONES.names() and "GANLoss" not in DISCRIMINATORS.names()
    assert "SourceOnly" in ALGORITHMS.names() and "SourceOnly" not in LOSSES.names()
    # every entry of a kind registry is mirrored into MODELS, and nothing else of MODELS is a kind entry
    for registry in MODEL_KINDS.values():
        for name in registry.names():
            assert MODELS.get(name) is registry.get(name)


def test_kinds_build_by_name_inside_a_runner(tmp_path, toys, tiny_backbone):
    runner = Runner.from_cfg(Config(toys.toy_config(tmp_path)))
    assert isinstance(runner.model, toys.ToyAdversarial)  # built through mmengine's root MODELS
    assert DefaultScope.get_current_instance().scope_name == "dareg"
    assert isinstance(BACKBONES.build(dict(type="_TinyBackbone", width=2)), _TinyBackbone)
    assert isinstance(MMENGINE_MODELS.build(dict(type="_TinyBackbone")), _TinyBackbone)
    assert LOSSES.build(dict(type="GANLoss", mode="lsgan")).mode == "lsgan"
    with DefaultScope.overwrite_default_scope("mmengine"):  # another scope is active
        assert isinstance(BACKBONES.build(dict(type="_TinyBackbone")), _TinyBackbone)


def test_unknown_type_names_registry_matches_and_plugins():
    with pytest.raises(UnknownTypeError) as info:
        LOSSES.build(dict(type="GANLos"))
    message = str(info.value)
    assert "'GANLos' is not a registered loss" in message
    assert "Did you mean: GANLoss" in message
    assert "custom_imports" in message and "dareg.plugins" in message


def test_component_of_another_kind_is_named_as_such():
    with pytest.raises(UnknownTypeError, match="registered as a loss"):
        GENERATORS.build(dict(type="GANLoss"))
    with pytest.raises(UnknownTypeError, match="is not a registered head"):
        HEADS.build(dict(type="NoSuchHead"))


def test_config_check_names_key_path_and_file(toys):
    cfg = Config(toys.toy_config("/tmp/unused"))
    cfg.train_dataloader.dataset.source.type = "ToyDigitz"
    with pytest.raises(UnknownTypeError) as info:
        check_config_types(cfg, source="configs/toy.py")
    message = str(info.value)
    assert "`train_dataloader.dataset.source`" in message and "configs/toy.py" in message
    assert "ToyDigits (dataset)" in message


def test_config_check_accepts_mmengine_and_scoped_names(toys):
    cfg = Config(toys.toy_config("/tmp/unused"))
    check_config_types(cfg)  # SGD, PolyLR, LoggerHook, dareg.domain_collate ... all resolve
