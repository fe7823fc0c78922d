# CycleGAN SVHN -> MNIST with CyCADA's digit settings (Hoffman et al., ICML 2018): lambda_cycle 1, no identity
# loss. dareg's choices (not from the papers): grey 28x28 digits, the same images ADDA's / the source-only LeNet
# read, so that CyCADA's stage-(a) network can judge the translations (CyCADA ran CycleGAN at 32x32); a 6-block
# generator; batch 32; 50k iterations, the second half with linearly decaying learning rate.
#   python tools/train.py configs/cyclegan/svhn2mnist.py
_base_ = [
    "../_base_/datasets/svhn2mnist.py",
    "../_base_/models/cyclegan.py",
    "../_base_/schedules/cyclegan_linear_decay.py",
    "../_base_/default_runtime.py",
]
model = dict(
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5], bgr_to_rgb=False),
    generator=dict(in_channels=1, out_channels=1, num_blocks=6),
    discriminator=dict(in_channels=1),
    lambda_cycle=1.0,
    lambda_identity=0.0,
)
max_iters = 50000
train_dataloader = dict(batch_size=32)
param_scheduler = dict(
    generators=dict(constant_steps=max_iters // 2, end=max_iters),
    discriminators=dict(constant_steps=max_iters // 2, end=max_iters),
)
train_cfg = dict(max_iters=max_iters)
val_cfg = val_dataloader = val_evaluator = test_cfg = test_dataloader = test_evaluator = None  # no metric
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=5000))
custom_hooks = [
    dict(type="TranslationVisualizationHook", interval=1000, num_samples=8),
]
