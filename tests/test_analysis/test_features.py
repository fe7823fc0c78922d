"""Feature extraction for every algorithm family, the proxy A-distance and the t-SNE pictures."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from torch import nn

from dareg.analysis.features import analyze_features, proxy_a_distance
from dareg.evaluation.features import DomainFeatures, collect_features, extract_feat
from dareg.registry import ALGORITHMS

PRE1 = dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5])
LENET = dict(
    type="ImageClassifier",
    backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0),
    head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
)


class TwoLevelBackbone(nn.Module):
    out_channels = (4, 6)

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, stride=2)

    def forward(self, x):
        first = self.conv1(x)
        return [first, self.conv2(first)]


SEGMENTOR = dict(
    type="MultiLevelSegmentor",
    backbone=dict(type=TwoLevelBackbone),
    head=dict(type="ASPPClassifier", num_classes=3, dilations=(1, 2)),
    loss_weights=1.0,
)


def images(n: int = 5, channels: int = 1, size: int = 28) -> torch.Tensor:
    return torch.randn(n, channels, size, size, generator=torch.Generator().manual_seed(3))


def test_classifier_features_are_the_input_of_the_head():
    model = ALGORITHMS.build(dict(type="SourceOnly", task_model=LENET, data_preprocessor=PRE1)).eval()
    x = images()
    out = extract_feat(model, x, "target")
    expected = model.task_model.backbone(x)
    assert out["features"].shape == (5, 500)
    torch.testing.assert_close(out["features"], expected)
    torch.testing.assert_close(out["logits"], model.task_model.head(expected))


def test_adda_uses_the_source_encoder_for_source_and_the_target_encoder_for_target():
    torch.manual_seed(0)
    adda = ALGORITHMS.build(
        dict(
            type="ADDA",
            classifier=LENET,
            discriminator=dict(type="MLPDiscriminator", in_channels=500, hidden_channels=8),
            pretrain_iters=0,
            data_preprocessor=PRE1,
        )
    ).eval()
    x = images()
    # before adaptation, both domains go through the source encoder (what predict uses)
    torch.testing.assert_close(extract_feat(adda, x, "target")["features"], adda.classifier.backbone(x))
    adda.initialise_target_encoder()
    with torch.no_grad():
        for param in adda.target_encoder.parameters():
            param.add_(0.5)
    target = extract_feat(adda, x, "target")
    torch.testing.assert_close(target["features"], adda.target_encoder(x))
    torch.testing.assert_close(target["logits"], adda.classifier.head(adda.target_encoder(x)))
    torch.testing.assert_close(extract_feat(adda, x, "source")["features"], adda.classifier.backbone(x))
    assert not torch.allclose(target["features"], adda.classifier.backbone(x))


def test_pixelda_uses_its_task_classifier():
    size = 16
    model = ALGORITHMS.build(
        dict(
            type="PixelDA",
            generator=dict(type="PixelDAGenerator", num_res_blocks=1, base_channels=4, image_size=size),
            discriminator=dict(type="PixelDADiscriminator", channels=(4, 8, 8), image_size=size),
            task_model=dict(
                type="ImageClassifier",
                backbone=dict(type="PixelDATaskNet", image_size=size, feat_channels=16),
                head=dict(type="LinearClsHead", in_channels=16, num_classes=10),
            ),
        )
    ).eval()
    x = images(3, 3, size)
    out = extract_feat(model, x, "source")
    torch.testing.assert_close(out["features"], model.task_model.backbone(x))


def test_cycada_translates_source_images_before_its_frozen_task_network():
    model = ALGORITHMS.build(
        dict(
            type="CyCADA",
            generator=dict(type="ResnetGenerator", in_channels=1, out_channels=1, base_channels=4, num_blocks=1),
            discriminator=dict(type="PatchDiscriminator", in_channels=1, base_channels=4, num_layers=2),
            task_model=LENET,
            data_preprocessor=PRE1,
        )
    ).eval()
    x = images(3)
    task = model.semantic_loss.task_model
    torch.testing.assert_close(extract_feat(model, x, "target")["features"], task.backbone(x))
    torch.testing.assert_close(extract_feat(model, x, "source")["features"], task.backbone(model.translate(x, "a2b")))


@pytest.mark.parametrize("algorithm", ["SourceOnly", "AdaptSegNet"])
def test_segmentation_features_are_the_pooled_last_backbone_map(algorithm):
    torch.manual_seed(0)
    if algorithm == "SourceOnly":
        model = ALGORITHMS.build(dict(type="SourceOnly", task_model=SEGMENTOR))
        network = model.task_model
    else:
        model = ALGORITHMS.build(dict(type="AdaptSegNet", segmentor=SEGMENTOR, lambda_adv=0.001))
        network = model.segmentor
    x = images(2, 3, 8)
    out = extract_feat(model.eval(), x, "target")
    torch.testing.assert_close(out["features"], network.backbone(x)[-1].mean((2, 3)))
    assert out["logits"].shape == (2, 3, 4, 4)  # dense logits at the head's resolution


def test_an_algorithm_without_task_network_or_extract_feat_fails_clearly():
    class Opaque(nn.Module):
        pass

    with pytest.raises(AttributeError, match="extract_feat"):
        extract_feat(Opaque(), images(), "target")
    with pytest.raises(ValueError, match="domain"):
        extract_feat(Opaque(), images(), "val")


def test_collect_features_gathers_labels_caps_samples_and_restores_the_mode():
    model = ALGORITHMS.build(dict(type="SourceOnly", task_model=LENET, data_preprocessor=PRE1))
    model.train()
    images = torch.randint(0, 255, (4, 1, 28, 28), dtype=torch.uint8)
    batches = [{"inputs": images, "data_samples": {"gt_label": torch.arange(4)}} for _ in range(3)]
    collected = collect_features(model, batches, "source", max_samples=6)
    assert collected.features.shape == (6, 500) and collected.logits.shape == (6, 10)
    assert collected.labels.tolist() == [0, 1, 2, 3, 0, 1]
    assert model.training


def test_a_distance_is_near_zero_for_identical_sets_and_two_for_separable_ones():
    generator = torch.Generator().manual_seed(0)
    same = torch.randn(300, 8, generator=generator)
    assert proxy_a_distance(same, same.clone(), batch_size=8) < 0.2
    other = torch.randn(300, 8, generator=generator)  # a second sample of the same distribution
    assert abs(proxy_a_distance(same, other, clip=False, batch_size=8)) < 0.4
    separable_source = torch.randn(100, 8, generator=generator) + 4.0
    separable_target = torch.randn(100, 8, generator=generator) - 4.0
    assert proxy_a_distance(separable_source, separable_target) == pytest.approx(2.0)


def test_a_distance_leaves_the_global_random_state_alone():
    source, target = torch.randn(20, 3), torch.randn(20, 3) + 1
    state = torch.get_rng_state()
    proxy_a_distance(source, target)
    assert torch.equal(state, torch.get_rng_state())


def test_analyze_features_writes_both_pictures(tmp_path):
    generator = torch.Generator().manual_seed(0)
    source = DomainFeatures(torch.randn(30, 5, generator=generator), None, torch.arange(30) % 3)
    target = DomainFeatures(torch.randn(20, 5, generator=generator) + 2, None, torch.arange(20) % 3)
    report = analyze_features(source, target, str(tmp_path), class_names=["a", "b", "c"])
    assert set(report.figures) == {"domain", "class"}
    for key, path in report.figures.items():
        assert os.path.getsize(path) > 1000
        assert report.images[key].ndim == 3 and report.images[key].shape[2] == 3
        assert np.unique(report.images[key].reshape(-1, 3), axis=0).shape[0] > 3  # something drawn
    assert "proxy A-distance" in report.format()
    no_labels = analyze_features(DomainFeatures(source.features, None, None), target, str(tmp_path / "x"))
    assert set(no_labels.figures) == {"domain"}


def test_features_tool_on_a_demo_config(tmp_path):
    from fixtures.tools import load_tool

    tool = load_tool("analysis/features.py")
    out = tmp_path / "out"
    assert (
        tool.main(
            ["configs/demo/source_only_digits.py", "none", "--out", str(out), "--max-samples", "40", "--tensorboard"]
        )
        == 0
    )
    assert (out / "tsne_domain.png").exists() and (out / "tsne_class.png").exists()
    import json

    report = json.loads((out / "features.json").read_text())
    assert report["num_source"] == 40 and report["feature_dim"] == 500 and 0.0 <= report["a_distance"] <= 2.0
    assert list(out.glob("events.out.tfevents.*"))
