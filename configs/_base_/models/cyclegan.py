# CycleGAN (Zhu et al., ICCV 2017), reference architecture and losses: ResNet generator with 9 residual
# blocks (256px), 70x70 PatchGAN, InstanceNorm, N(0, 0.02) init; LSGAN, cycle L1 with lambda 10 per
# direction, identity 0.5 x lambda, 50-image history pools. Domain A = `source`, B = `target`.
# Pixels are mapped to [-1, 1] in RGB order (images are read as BGR by OpenCV).
model = dict(
    type="CycleGAN",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True),
    generator=dict(type="ResnetGenerator", in_channels=3, out_channels=3, base_channels=64, num_blocks=9,
                   norm="instance", use_dropout=False, init_type="normal", init_gain=0.02),
    discriminator=dict(type="PatchDiscriminator", in_channels=3, base_channels=64, num_layers=3, norm="instance",
                       init_type="normal", init_gain=0.02),
    gan_loss=dict(type="GANLoss", mode="lsgan"),
    cycle_loss=dict(type="CycleConsistencyLoss", mode="l1"),
    identity_loss=dict(type="IdentityLoss", mode="l1"),
    lambda_cycle=10.0,
    lambda_identity=0.5,
    pool_size=50,
)
