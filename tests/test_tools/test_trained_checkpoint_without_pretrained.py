"""Pretrained backbone weights load in ``init_weights``: testing a trained checkpoint needs no pretraining file.

mmengine's Runner calls ``model.init_weights()`` before training and never before testing. The
AdaptSegNet config names ``checkpoints/DeepLab_resnet_pretrained_init-f81d91e8.pth``; here that file
does not exist (the tests run in an empty folder), and ``init_model`` and ``tools/test.py`` still
work from a trained checkpoint, while training reads the pretraining file the test writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import timm
import torch
from fixtures.segmentation_layouts import shrink_to_layouts, write_cityscapes_layout, write_gta5_layout
from fixtures.tools import load_tool
from mmengine.registry import init_default_scope

from dareg.apis import apply_run_options, init_model, train
from dareg.registry import MODELS
from dareg.utils.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
ADAPTSEG = CONFIGS / "adaptseg" / "gta2cityscapes.py"
DEEPLAB_INIT = "checkpoints/DeepLab_resnet_pretrained_init-f81d91e8.pth"


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """A checkpoint of the (unchanged) AdaptSegNet config, and that config shrunk to the fixture layouts."""
    base = tmp_path_factory.mktemp("no_pretrained")
    roots = {
        "data/gta5": write_gta5_layout(base / "gta5", n=1),
        "data/cityscapes": write_cityscapes_layout(base / "cityscapes", n=1),
    }
    cfg = load_config(str(ADAPTSEG))
    assert cfg.model.segmentor.backbone.pretrained == DEEPLAB_INIT  # relative: absent from the test folders
    init_default_scope("dareg")
    torch.manual_seed(3)
    model = MODELS.build(cfg.model)  # constructing reads no pretraining file
    checkpoint = base / "trained.pth"
    torch.save({"state_dict": model.state_dict(), "meta": {"iter": 7}}, checkpoint)
    shrink_to_layouts(cfg._cfg_dict, roots)
    cfg.model.segmentor.backbone.pretrained = str(base / DEEPLAB_INIT)  # shrink switched it off; put it back
    tiny_config = base / "gta2cityscapes_tiny.py"
    cfg.dump(str(tiny_config))
    return dict(checkpoint=str(checkpoint), config=str(tiny_config), weight=model.segmentor.backbone.conv1.weight)


def test_init_model_loads_a_trained_checkpoint_without_the_pretraining_file(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not Path(DEEPLAB_INIT).exists()
    model = init_model(str(ADAPTSEG), trained["checkpoint"])
    assert torch.equal(model.segmentor.backbone.conv1.weight, trained["weight"])


def test_test_tool_evaluates_a_trained_checkpoint_without_the_pretraining_file(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    metrics = load_tool("test.py").main([trained["config"], trained["checkpoint"], "--work-dir", str(tmp_path / "w")])
    assert 0.0 <= metrics["mIoU"] <= 100.0


def test_training_still_fails_without_the_pretraining_file(trained, tmp_path):
    """init_weights is what the Runner calls before training: the missing file is reported there."""
    cfg = load_config(trained["config"])
    init_default_scope("dareg")
    model = MODELS.build(cfg.model)
    with pytest.raises(FileNotFoundError, match=r"pretrained=.*DeepLab_resnet_pretrained_init") as info:
        model.init_weights()
    assert "testing or inference from a trained checkpoint does not need it" in str(info.value)


def test_algorithm_init_weights_loads_the_deeplab_pretraining_file(trained, tmp_path):
    """AdaptSegNet -> MultiLevelSegmentor -> DeepLabV2ResNet: the Runner's call reaches the backbone."""
    cfg = load_config(trained["config"])
    cfg.model.segmentor.backbone.update(depth=50, pretrained=str(tmp_path / "init.pth"))
    init_default_scope("dareg")
    torch.manual_seed(0)
    source = MODELS.build(cfg.model).segmentor.backbone
    # the reference init file's layout: backbone keys under "Scale.", plus a classifier that is ignored
    state = {f"Scale.{key}": value for key, value in source.state_dict().items()}
    state["Scale.layer5.conv2d_list.0.weight"] = torch.zeros(21, 2048, 3, 3)
    torch.save(state, tmp_path / "init.pth")
    torch.manual_seed(1)
    model = MODELS.build(cfg.model)
    assert not torch.equal(model.segmentor.backbone.layer4[2].conv3.weight, source.layer4[2].conv3.weight)
    model.init_weights()
    assert torch.equal(model.segmentor.backbone.layer4[2].conv3.weight, source.layer4[2].conv3.weight)
    assert torch.equal(model.segmentor.backbone.bn1.running_var, source.bn1.running_var)


def test_training_loads_the_timm_checkpoint_file(trained, tmp_path):
    """A real (one-iteration) run of the timm config starts from the local weights file the test writes."""
    cfg = load_config(str(CONFIGS / "adaptseg" / "gta2cityscapes_timm_resnet50.py"))
    reference = load_config(trained["config"])
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        cfg[key] = reference[key]
    torch.manual_seed(5)
    weights = timm.create_model("resnet10t").state_dict()  # the full classification model, as timm saves it
    path = tmp_path / "resnet10t.pth"
    torch.save(weights, path)
    cfg.model.segmentor.backbone.update(model_name="resnet10t", pretrained=False, checkpoint_path=str(path))
    apply_run_options(cfg, "timm", work_dir=str(tmp_path / "work"))
    cfg.train_cfg.update(max_iters=1, val_interval=10)
    cfg.default_hooks.checkpoint = None
    cfg.log_level = "WARNING"
    runner = train(cfg)
    trained_weight = runner.model.segmentor.backbone.model.layer4[0].conv1.weight.detach()
    # one SGD step at lr 2.5e-4 moves the weights by far less than the file's values differ from a fresh init
    torch.testing.assert_close(trained_weight, weights["layer4.0.conv1.weight"], atol=1e-3, rtol=0)
