# Source-only baseline for PixelDA on the embedded digit pair: PixelDA's task classifier trained on the
# 32x32 colour source digits for as many iterations as configs/demo/pixelda_digits.py, evaluated on
# the photo-blended target digits.
#   python tools/train.py configs/demo/source_only_digits_rgb32.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/pixelda_task_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
optim_wrapper = dict(task_model=dict(optimizer=dict(lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-5)))
train_cfg = dict(max_iters=400, val_interval=200)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200))
