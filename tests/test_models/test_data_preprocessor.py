"""DomainDataPreprocessor."""

from __future__ import annotations

import pytest
import torch

from dareg.models import DomainDataPreprocessor


def test_same_normalisation_for_every_domain_and_caffe_style_bgr():
    pre = DomainDataPreprocessor(mean=[104.0, 116.0, 122.0])
    image = torch.tensor([104, 116, 122], dtype=torch.uint8).view(1, 3, 1, 1)
    out = pre({"source": {"inputs": image}, "target": {"inputs": image.clone()}}, training=True)
    assert torch.equal(out["source"]["inputs"], torch.zeros(1, 3, 1, 1))
    assert torch.equal(out["source"]["inputs"], out["target"]["inputs"])


def test_bgr_to_rgb_and_std():
    pre = DomainDataPreprocessor(mean=[1.0, 2.0, 3.0], std=[2.0, 2.0, 2.0], bgr_to_rgb=True)
    image = torch.tensor([3.0, 2.0, 1.0]).view(1, 3, 1, 1)  # BGR of (1, 2, 3)
    out = pre({"inputs": image, "data_samples": {"gt_label": torch.tensor([1])}})
    assert torch.equal(out["inputs"], torch.zeros(1, 3, 1, 1))
    assert out["data_samples"]["gt_label"].tolist() == [1]


def test_lists_of_images_are_stacked_or_explained():
    pre = DomainDataPreprocessor()
    out = pre({"inputs": [torch.zeros(1, 2, 2), torch.ones(1, 2, 2)]})
    assert out["inputs"].shape == (2, 1, 2, 2)
    with pytest.raises(ValueError, match="Resize or RandomCrop"):
        pre({"inputs": [torch.zeros(1, 2, 2), torch.ones(1, 3, 2)]})


def test_tensors_move_to_the_device_and_metainfo_stays_untouched():
    pre = DomainDataPreprocessor()
    pre._device = torch.device("meta")  # what .to(device) records; meta shows which tensors moved
    metainfo = [{"img_path": "a.png", "ori_shape": (4, 4)}, {"img_path": "b.png", "ori_shape": (4, 4)}]
    labels = [torch.zeros(4, 4, dtype=torch.long), torch.zeros(2, 2, dtype=torch.long)]
    batch = {
        "source": {"inputs": torch.zeros(2, 1, 4, 4), "data_samples": {"gt_seg": labels, "metainfo": metainfo}},
        "target": {"inputs": torch.zeros(2, 1, 4, 4), "data_samples": {"gt_label": torch.zeros(2, dtype=torch.long)}},
    }
    out = pre.cast_data(batch)
    assert out["source"]["inputs"].is_meta and out["target"]["data_samples"]["gt_label"].is_meta
    assert all(label.is_meta for label in out["source"]["data_samples"]["gt_seg"])
    assert out["source"]["data_samples"]["metainfo"] is metainfo
