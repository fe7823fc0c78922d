# PixelDA on the embedded digit pair (32x32 colour), reference losses, weights and optimiser, with the
# generator and discriminator narrowed for 2 CPU cores (generator: 16 filters, 2 residual blocks
# instead of 64 and 6; discriminator: 32-64-128-256 instead of 64-128-256-512; batch 16 instead of 32).
#   python tools/train.py configs/demo/pixelda_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/pixelda.py",
    "../_base_/schedules/pixelda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(generator=dict(num_res_blocks=2, base_channels=16), discriminator=dict(channels=(32, 64, 128, 256)))
train_dataloader = dict(batch_size=16)
train_cfg = dict(max_iters=300, val_interval=150)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=150))
