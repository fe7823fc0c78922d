"""MultiLevelSegmentor: levels fed from the right features, weighted losses, predictions, LR groups."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dareg.engine.optimizers.multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from dareg.models.segmentors.multi_level_segmentor import MultiLevelSegmentor


class TwoLevelBackbone(nn.Module):
    """Returns two feature maps at 1/4 of the input, with different widths (3 and 5 channels)."""

    out_channels = [3, 5]

    def __init__(self) -> None:
        super().__init__()
        self.low = nn.Conv2d(3, 3, 3, stride=4, padding=1)
        self.high = nn.Conv2d(3, 5, 1)

    def forward(self, x):
        low = self.low(x)
        return [low, self.high(low)]


def make(aux: bool = True, **kwargs) -> MultiLevelSegmentor:
    torch.manual_seed(0)
    return MultiLevelSegmentor(
        backbone=dict(type=TwoLevelBackbone),
        head=dict(type="ASPPClassifier", num_classes=4, dilations=(1, 2)),
        auxiliary_head=dict(type="ASPPClassifier", num_classes=4, dilations=(1, 2)) if aux else None,
        **kwargs,
    )


def test_heads_read_the_matching_levels_and_main_is_last():
    seg = make()
    assert seg.head.in_channels == 5 and seg.auxiliary_head.in_channels == 3  # sized from out_channels
    x = torch.randn(2, 3, 16, 24)
    low, high = seg.backbone(x)
    aux, main = seg(x)
    torch.testing.assert_close(aux, seg.auxiliary_head(low))
    torch.testing.assert_close(main, seg.head(high))
    single = make(aux=False, loss_weights=1.0)
    assert len(single(x)) == 1 and single.level_names == ("main",)


def test_loss_weights_reach_the_losses_hand_computed():
    seg = make(loss_weights=(0.25, 2.0))
    x = torch.randn(2, 3, 16, 24)
    labels = torch.randint(0, 4, (2, 16, 24))
    labels[0, :3] = 255
    outputs = seg(x)
    losses = seg.loss(outputs, {"gt_seg": labels})
    assert set(losses) == {"loss_seg_aux", "loss_seg"}
    for key, weight, logits in (("loss_seg_aux", 0.25, outputs[0]), ("loss_seg", 2.0, outputs[1])):
        up = F.interpolate(logits, size=(16, 24), mode="bilinear", align_corners=True)
        expected = weight * F.cross_entropy(up, labels, ignore_index=255)
        torch.testing.assert_close(losses[key], expected)


def test_predict_upsamples_main_logits_to_label_or_input_size():
    seg = make()
    x = torch.randn(2, 3, 16, 24)
    outputs = seg(x)
    labels = torch.randint(0, 4, (2, 32, 48))
    results = seg.predict(outputs, {"gt_seg": labels, "metainfo": [{"i": 0}, {"i": 1}]})
    assert len(results) == 2 and results[1]["metainfo"] == {"i": 1}
    assert results[0]["pred_seg"].shape == (32, 48) and results[0]["pred_seg"].dtype == torch.long
    assert torch.equal(results[0]["gt_seg"], labels[0]) and "logits" not in results[0]
    expected = F.interpolate(outputs[-1], size=(32, 48), mode="bilinear", align_corners=True).argmax(1)
    assert torch.equal(results[1]["pred_seg"], expected[1])
    no_labels = seg.predict(outputs, None, input_size=(16, 24))
    assert no_labels[0]["pred_seg"].shape == (16, 24) and "gt_seg" not in no_labels[0]


def test_heads_get_ten_times_the_learning_rate():
    holder = nn.Module()
    holder.segmentor = make()
    paramwise_cfg = dict(custom_keys={"head": dict(lr_mult=10.0)})
    constructor = MultiOptimWrapperConstructor(
        dict(segmentor=dict(optimizer=dict(type="SGD", lr=0.1), paramwise_cfg=paramwise_cfg))
    )
    wrappers = constructor(holder)
    lr_of = {id(p): g["lr"] for g in wrappers["segmentor"].optimizer.param_groups for p in g["params"]}
    for name, param in holder.segmentor.named_parameters():
        assert lr_of[id(param)] == pytest.approx(1.0 if "head" in name else 0.1), name


def test_wrong_number_of_loss_weights():
    with pytest.raises(ValueError, match="loss_weights"):
        make(aux=False)  # default (0.1, 1.0) is for two levels


def mit_daformer(**head) -> MultiLevelSegmentor:
    torch.manual_seed(0)
    return MultiLevelSegmentor(
        backbone=dict(type="MixTransformer", arch="mit_b0"),
        head=dict(type="DAFormerHead", num_classes=4, embed_dims=16, channels=16, **head),
        loss_weights=1.0,
        align_corners=False,
    )


def test_a_head_that_reads_the_feature_list_gets_every_level_and_their_channels():
    seg = mit_daformer()
    assert seg.head.in_channels == [32, 64, 160, 256]  # from the backbone's out_channels
    x = torch.randn(2, 3, 32, 64)
    seg.eval()  # without drop path and dropout
    torch.testing.assert_close(seg(x)[0], seg.head(seg.backbone(x)))
    (logits,) = seg.train()(x)
    assert tuple(logits.shape) == (2, 4, 8, 16)  # DAFormer predicts at 1/4
    labels = torch.randint(0, 4, (2, 32, 64))
    loss = seg.loss([logits], {"gt_seg": labels})["loss_seg"]
    up = F.interpolate(logits, size=(32, 64), mode="bilinear", align_corners=False)
    torch.testing.assert_close(loss, F.cross_entropy(up, labels, ignore_index=255))
    loss.backward()
    assert seg.backbone.encoder.patch_embed1.proj.weight.grad.abs().sum() > 0
    assert seg.head.embed_layers["3"].proj.weight.grad.abs().sum() > 0
    (prediction,) = seg.predict([logits[:1]], None, input_size=(32, 64))
    assert torch.equal(prediction["pred_seg"], up[:1].argmax(1)[0])
    assert mit_daformer(in_channels=[32, 64, 160, 256]).head.in_channels == [32, 64, 160, 256]  # explicit is kept


def test_return_features_gives_the_backbone_features_of_the_same_forward():
    seg = make()
    x = torch.randn(2, 3, 16, 24)
    (aux, main), features = seg(x, return_features=True)
    low, high = seg.backbone(x)
    assert len(features) == 2
    torch.testing.assert_close(features[0], low)
    torch.testing.assert_close(features[1], high)
    torch.testing.assert_close(main, seg.head(high))
    (main.sum() + features[-1].sum()).backward()  # one graph: the features' gradient reaches the backbone
    assert seg.backbone.high.weight.grad is not None
