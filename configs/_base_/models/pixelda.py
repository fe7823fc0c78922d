# PixelDA (Bousmalis et al., CVPR 2017), 32x32 colour digits in [-1, 1].
# Generator: 10-d U[-1, 1] noise -> one 32x32 channel concatenated to the image (noise_mode="channel";
# "image" gives the popular port's 3-channel noise map), conv 64 + ReLU, 6 residual blocks, conv, tanh.
# Weights of the published MNIST -> MNIST-M run (reference hparams): domain 0.136 (D-step), style
# 0.0114 and task-in-G 0.0101 (G-step); similarity 0 there (the paper's value is 1.0 when used).
# The D-step also trains the task classifier (optimizer "discriminator" with modules=[...]).
model = dict(
    type="PixelDA",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True),
    generator=dict(
        type="PixelDAGenerator",
        in_channels=3,
        noise_dim=10,
        noise_mode="channel",
        num_res_blocks=6,
        base_channels=64,
        image_size=32,
    ),
    discriminator=dict(
        type="PixelDADiscriminator",
        in_channels=3,
        channels=(64, 128, 256, 512),
        image_size=32,
        noise_std=0.2,
        dropout_ratio=0.1,
    ),
    task_model=dict(
        type="ImageClassifier",
        backbone=dict(type="PixelDATaskNet", in_channels=3, image_size=32, feat_channels=512),
        head=dict(type="LinearClsHead", in_channels=512, num_classes=10),
    ),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    lambda_adv=0.0113173311334,
    lambda_domain=0.135603587834,
    lambda_task_in_g=0.0100959947002,
    lambda_task_source=1.0,
    lambda_task_translated=1.0,
    lambda_similarity=0.0,
)
