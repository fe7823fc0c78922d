# AdvEnt on the embedded synthetic street scenes with a timm ResNet-18 (dilated to output stride 8)
# instead of DeepLab-v2: the backbone dict is replaced (_delete_=True), the heads size themselves
# from its out_channels, and the inputs are normalised as timm's ImageNet models expect.
#   python tools/train.py plugins/dareg-advent/configs/advent_synthetic_timm.py
_base_ = ["./advent_synthetic.py"]

model = dict(
    data_preprocessor=dict(
        type="DomainDataPreprocessor",
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
    ),
    segmentor=dict(
        backbone=dict(_delete_=True, type="TimmBackbone", model_name="resnet18", output_stride=8),
    ),
)
