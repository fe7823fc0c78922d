"""init_model / inference_model: checkpoint loading, test pipeline, outputs at the original image size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fixtures.tiny_segmentation import tiny_segmentation_config
from mmengine.config import Config

from dareg.apis import inference_model, init_model
from dareg.registry import SEGMENTORS


@pytest.fixture
def tiny(tmp_path):
    return Config(tiny_segmentation_config(tmp_path))


def random_image(height=30, width=50, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def test_checkpoint_is_loaded_and_model_is_ready(tiny, tmp_path):
    model = init_model(tiny)
    assert not model.training and model.cfg.model.type == "SourceOnly"
    assert model.dataset_meta["classes"][0] == "road"  # the test dataset's METAINFO
    state = {k: torch.randn_like(v) for k, v in model.state_dict().items()}
    path = str(tmp_path / "weights.pth")
    torch.save({"state_dict": state, "meta": {"dataset_meta": {"classes": ("a",) * 8}}}, path)
    loaded = init_model(tiny, checkpoint=path)
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert loaded.dataset_meta["classes"] == ("a",) * 8


def test_prediction_and_logits_at_original_size(tiny):
    model = init_model(tiny)
    image = random_image(30, 50)
    result = inference_model(model, image)
    assert tuple(result["pred_seg"].shape) == (30, 50) and result["pred_seg"].dtype == torch.long
    assert tuple(result["logits"].shape) == (8, 30, 50)
    assert torch.equal(result["pred_seg"], result["logits"].argmax(0))
    # by hand: normalise, network, bilinear upsampling to the image size
    inputs = (torch.from_numpy(image).permute(2, 0, 1)[None].float() - 127.5) / 127.5
    with torch.no_grad():
        logits = model.task_model(inputs)[-1]
    expected = F.interpolate(logits, size=(30, 50), mode="bilinear", align_corners=False)[0]
    assert torch.allclose(result["logits"], expected, atol=1e-5)


def test_test_pipeline_resize_is_applied_and_path_input(tiny, tmp_path):
    tiny.test_dataloader.dataset.pipeline = [
        dict(type="LoadImageFromFile"),
        dict(type="LoadSegMap"),
        dict(type="Resize", scale=(16, 8), keep_seg=True),
        dict(type="PackInputs"),
    ]
    model = init_model(tiny)
    image = random_image(24, 40, seed=1)
    path = str(tmp_path / "frame.png")
    cv2.imwrite(path, image)
    calls = []
    model.task_model.register_forward_hook(lambda module, args, out: calls.append(tuple(args[0].shape)))
    from_path = inference_model(model, path)
    from_array = inference_model(model, image)
    assert calls == [(1, 3, 8, 16)] * 2  # the network saw the resized image
    assert tuple(from_path["pred_seg"].shape) == (24, 40)
    assert torch.equal(from_path["logits"], from_array["logits"])
    assert from_path["metainfo"]["img_path"] == path
    results = inference_model(model, [image, random_image(10, 12)])
    assert [tuple(r["pred_seg"].shape) for r in results] == [(24, 40), (10, 12)]


def test_bad_inputs(tiny):
    model = init_model(tiny)
    with pytest.raises(ValueError, match="uint8"):
        inference_model(model, np.zeros((4, 4, 3), dtype=np.float32))
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        inference_model(model, "nowhere.png")
    with pytest.raises(TypeError, match="config must be"):
        init_model(42)
    with pytest.raises(AttributeError, match="init_model"):
        inference_model(torch.nn.Linear(1, 1), np.zeros((4, 4, 3), dtype=np.uint8))


def test_multi_level_segmentor_uses_its_align_corners(tiny):
    if SEGMENTORS.get_or_none("MultiLevelSegmentor") is None:
        pytest.skip("MultiLevelSegmentor not available")
    tiny.model.task_model = dict(
        type="MultiLevelSegmentor",
        backbone=dict(type="DeepLabV2ResNet", depth=50),
        head=dict(type="ASPPClassifier", num_classes=8),
        auxiliary_head=dict(type="ASPPClassifier", num_classes=8),
    )
    model = init_model(tiny)
    image = random_image(33, 41)
    result = inference_model(model, image)
    inputs = (torch.from_numpy(image).permute(2, 0, 1)[None].float() - 127.5) / 127.5
    with torch.no_grad():
        main = model.task_model(inputs)[-1]
    expected = F.interpolate(main, size=(33, 41), mode="bilinear", align_corners=True)[0]
    assert torch.allclose(result["logits"], expected, atol=1e-4)
    assert tuple(result["pred_seg"].shape) == (33, 41)


def test_classifier_gives_label_and_logits(toys):
    model = init_model(Config(toys.toy_config("/tmp/unused")))
    image = np.zeros((8, 8), dtype=np.uint8)
    image[:, 2:5] = 200  # a class-1 digit of ToyDigits
    result = inference_model(model, image)
    inputs = (torch.from_numpy(image)[None, None].float() - 127.5) / 127.5
    with torch.no_grad():
        expected = model.classifier(inputs)[0]
    assert torch.allclose(result["logits"], expected) and result["pred_label"] == int(expected.argmax())
