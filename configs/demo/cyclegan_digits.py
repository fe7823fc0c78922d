# CycleGAN on the embedded digit pair (32x32 colour): domain A = MNIST-like digits, B = photo-blended
# MNIST-M-like digits. A narrowed ResNet generator (16 filters, 3 blocks) and PatchGAN (16 filters, 2
# layers) so that it trains on 2 CPU cores in a few minutes; digit settings of CyCADA otherwise
# (lambda_cycle 1 would blur less, 10 reconstructs faster on this tiny budget; no identity loss).
# Sample grids (rows: real | translated | reconstructed, A rows then B rows) land in work_dir/vis/.
#   python tools/train.py configs/demo/cyclegan_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/cyclegan.py",
    "../_base_/schedules/cyclegan_linear_decay.py",
    "../_base_/default_runtime.py",
]
model = dict(
    generator=dict(base_channels=16, num_blocks=3),
    discriminator=dict(base_channels=16, num_layers=2),
    lambda_cycle=10.0,
    lambda_identity=0.0,
)
max_iters = 600
train_dataloader = dict(batch_size=8)
param_scheduler = dict(
    generators=dict(constant_steps=300, end=max_iters),
    discriminators=dict(constant_steps=300, end=max_iters),
)
train_cfg = dict(max_iters=max_iters)
val_cfg = val_dataloader = val_evaluator = test_cfg = test_dataloader = test_evaluator = None  # no metric
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
custom_hooks = [
    dict(type="TranslationVisualizationHook", interval=100, num_samples=4),
]
