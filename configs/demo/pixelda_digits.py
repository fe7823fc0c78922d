# PixelDA on the embedded digit pair (32x32 colour), reference losses and weights, with a generator
# narrowed for 2 CPU cores (32 filters, 3 residual blocks instead of 64 and 6).
#   python tools/train.py configs/demo/pixelda_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/pixelda.py",
    "../_base_/schedules/pixelda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(generator=dict(num_res_blocks=3, base_channels=32))
train_cfg = dict(max_iters=600, val_interval=300)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
