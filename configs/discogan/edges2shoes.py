# DiscoGAN (Kim et al., ICML 2017) edges <-> shoes, reference settings (SKTBrain/DiscoGAN): encoder-decoder
# generators with sigmoid output (images in [0, 1]), discriminators returning hidden features; per direction
# (1 - rate) * (0.1 GAN + 0.9 feature matching) + rate * MSE reconstruction, rate 0.01 for the first 10k
# iterations then 0.5; discriminators updated on every third iteration, generators on the others;
# Adam 2e-4, betas (0.5, 0.999), weight decay 1e-5; 64x64 images; batch 200 (the reference's default).
# Data: pix2pix's edges2shoes (data/edges2shoes/{train,val}/*.jpg, edges left, shoes right). Domain A takes the
# edges of the first half of the files and B the shoes of the second half, so no pair survives.
# No headline metric: judge the sample grids in work_dir/vis and the reconstruction losses.
#   python tools/train.py configs/discogan/edges2shoes.py
_base_ = ["../_base_/default_runtime.py"]
data_root = "data/edges2shoes"
model = dict(
    type="DiscoGAN",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[0.0] * 3, std=[255.0] * 3, bgr_to_rgb=True),
    generator=dict(type="DiscoGANGenerator", base_channels=64, output_activation="sigmoid"),
    discriminator=dict(type="DiscoGANDiscriminator", base_channels=64),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    reconstruction_loss=dict(type="CycleConsistencyLoss", mode="l2"),
    feature_matching_loss=dict(type="FeatureMatchingLoss"),
    lambda_gan=0.1,
    lambda_fm=0.9,
    recon_rate_start=0.01,
    recon_rate=0.5,
    curriculum_iters=10000,
    d_update_interval=3,
)
train_dataloader = dict(
    batch_size=200,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(type="SideBySideImageDataset", data_root=data_root, split="train", side="left", part="first"),
        target=dict(type="SideBySideImageDataset", data_root=data_root, split="train", side="right", part="second"),
    ),
)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generators=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-5)),
    discriminators=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-5)),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=50000)
val_cfg = test_cfg = None  # no headline metric
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=5000))
custom_hooks = [
    dict(type="TranslationVisualizationHook", interval=1000, num_samples=8),
]
