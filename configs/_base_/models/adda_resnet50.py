# ADDA (Tzeng et al., CVPR 2017) on an ImageNet ResNet-50, the Transfer-Learning-Library setting:
# classifier ResNet-50 -> bottleneck Linear(2048, 256)-BN-ReLU -> Linear(256, C); the target encoder is
# a copy of backbone + bottleneck made at the end of source pre-training, trained against a
# 256-1024-1024-1 BN discriminator with inverted labels (GAN loss, no gradient reversal).
# A benchmark config sets num_classes and pretrain_iters.
model = dict(
    type="ADDA",
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
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    pretrain_iters=2500,
    adapt_on="features",
)
