# DAFormer's network (Hoyer et al., CVPR 2022; DAFormer configs daformer_sepaspp_mitb5.py and
# daformer_conv1_mitb5.py, /work/shared/METHODS_SELFTRAINING.md section 2), as a source-only model. A
# self-training method takes model.task_model as its segmentor and model.data_preprocessor as they are.
# Encoder: MiT-B5 (SegFormer's Mix Transformer, via segmentation-models-pytorch): widths 64/128/320/512,
#   depths 3/6/40/3, stochastic depth 0.1. Initialised from SegFormer's ImageNet-1k file mit_b5.pth (the
#   OneDrive link of the NVlabs/SegFormer README, DAFormer README:153-154), downloaded into checkpoints/;
#   it is loaded strictly except its classifier head.* (the reference loads it with strict=False). Set
#   model.task_model.backbone.checkpoint_path=None for random initialisation.
# Head: each stage embedded linearly to 256 channels and resized to 1/4 (bilinear, align_corners=False),
#   concatenated, fused by a 1x1 ConvBNReLU and three depthwise-separable 3x3 ConvBNReLU with dilations 6,
#   12, 18 (256 channels each, no image pooling), a 3x3 ConvBNReLU to 256, Dropout2d 0.1, 1x1 conv to the
#   classes. Logits at 1/4 of the input.
# Loss: cross-entropy on the logits upsampled bilinearly (align_corners=False) to the label size, 255
#   ignored. Input: RGB, ImageNet mean/std (dareg reads images BGR, hence bgr_to_rgb).
num_classes = 19
model = dict(
    type="SourceOnly",
    data_preprocessor=dict(
        type="DomainDataPreprocessor",
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
    ),
    task_model=dict(
        type="MultiLevelSegmentor",
        backbone=dict(
            type="MixTransformer", arch="mit_b5", checkpoint_path="checkpoints/mit_b5.pth", drop_path_rate=0.1
        ),
        head=dict(
            type="DAFormerHead",
            num_classes=num_classes,
            embed_dims=256,
            channels=256,
            dilations=(1, 6, 12, 18),
            dropout_ratio=0.1,
            align_corners=False,
        ),
        loss_weights=1.0,
        ignore_index=255,
        align_corners=False,
    ),
)
