# AdaptSegNet, multi-level, with any timm backbone: here timm's ResNet-50 at output stride 8, its
# last two stages (1024 / 2048 channels) feeding the auxiliary and main heads. One dict differs from
# gta2cityscapes.py, plus the input normalisation timm's ImageNet weights expect (RGB, mean/std).
# pretrained=True lets timm fetch its weights; offline, set checkpoint_path to a local state dict of
# the full timm model instead (see TimmBackbone).
_base_ = ["./gta2cityscapes.py"]
model = dict(
    segmentor=dict(
        backbone=dict(
            _delete_=True,
            type="TimmBackbone",
            model_name="resnet50",
            pretrained=True,
            checkpoint_path=None,
            out_indices=(3, 4),
            output_stride=8,
        )
    ),
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
)
