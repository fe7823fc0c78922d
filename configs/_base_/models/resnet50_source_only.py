# Source-only baseline on an ImageNet ResNet (the Transfer-Learning-Library's "ERM"): backbone ->
# global average pool -> linear head, no bottleneck. The ImageNet weights are torchvision's
# IMAGENET1K_V1 file, read from checkpoint_path in init_weights (never downloaded; where to get it:
# docs/get_started/classification_benchmarks.md). Images are read BGR by OpenCV: the preprocessor
# flips them to RGB and applies ImageNet's mean/std, as the torchvision weights expect.
# A benchmark config sets the head's num_classes (and ResNet-101 where the protocol uses it).
model = dict(
    type="SourceOnly",
    data_preprocessor=dict(
        type="DomainDataPreprocessor",
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
    ),
    task_model=dict(
        type="ImageClassifier",
        backbone=dict(
            type="TorchvisionResNet", model_name="resnet50", checkpoint_path="data/pretrained/resnet50-0676ba61.pth"
        ),
        head=dict(type="LinearClsHead", in_channels=2048, num_classes=1000),
    ),
)
