# AdaptSegNet, multi-level, with a segmentation-models-pytorch encoder: ResNet-34 at output stride 8,
# its last two stages (256 / 512 channels) feeding the auxiliary and main heads. ImageNet input
# normalisation (RGB, mean/std). encoder_weights="imagenet" lets smp fetch its weights; offline, set
# checkpoint_path to a local encoder state dict instead (see SMPEncoder).
_base_ = ["./gta2cityscapes.py"]
model = dict(
    segmentor=dict(
        backbone=dict(
            _delete_=True,
            type="SMPEncoder",
            encoder_name="resnet34",
            encoder_weights="imagenet",
            checkpoint_path=None,
            out_indices=(-2, -1),
            output_stride=8,
        )
    ),
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
)
