# DANN (Ganin & Lempitsky, ICML 2015) on an ImageNet ResNet-50, the Transfer-Learning-Library setting:
# ResNet-50 (pooled 2048-d) -> bottleneck Linear(2048, 256)-BN-ReLU -> Linear(256, C); domain
# discriminator 256-1024-1024-1 with BN (norm="dropout": the official CDAN code's ReLU + Dropout(0.5)
# variant, for when D wins too easily) behind a gradient reversal layer, warm start 0 -> 1 (coefficient
# 0.46 at 1k, 0.76 at 2k iterations); source label 1, target 0; loss CE + 1.0 * domain BCE.
# ImageNet weights: torchvision's IMAGENET1K_V1 file, read in init_weights (never downloaded; where to
# get it: docs/get_started/classification_benchmarks.md). Images are read BGR: the preprocessor flips
# them to RGB and applies ImageNet's mean/std. A benchmark config sets num_classes.
model = dict(
    type="DANN",
    data_preprocessor=dict(
        type="DomainDataPreprocessor", mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True
    ),
    classifier=dict(
        type="ImageClassifier",
        backbone=dict(
            type="TorchvisionResNet", model_name="resnet50", checkpoint_path="data/pretrained/resnet50-0676ba61.pth"
        ),
        bottleneck=dict(type="Bottleneck", in_channels=2048, out_channels=256),
        head=dict(type="LinearClsHead", in_channels=256, num_classes=31),
    ),
    discriminator=dict(type="DomainDiscriminator", in_channels=256, hidden_channels=1024, norm="bn"),
    grl=dict(type="GradientReversal", hi=1.0, lo=0.0, alpha=1.0, max_iters=1000),
    lambda_adv=1.0,
)
