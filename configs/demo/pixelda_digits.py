# PixelDA on the embedded digit pair (32x32 colour): the reference's losses, loss weights, optimiser,
# batch (32) and layer types, with narrowed networks so that a seed trains in 15-20 minutes on one CPU
# thread: generator 16 filters and 2 residual blocks (reference 64 and 6), discriminator 32-64-128-256
# (reference 64-128-256-512), a LeNet task classifier (as configs/demo/source_only_digits_rgb32.py),
# 3,000 iterations (reference 500,000). Validation every 250 iterations shows the "jump": the target
# accuracy rises when the generator starts to draw realistic dark digits on bright photo backgrounds, the
# mode that a third of the real target images show and no source image does.
# The discriminator width matters: at a quarter of the reference (16-32-64-128, the previous demo) one
# seed in three never made the jump within 3,000 iterations (95.6 / 73.1 / 95.6); at half of it every
# seed does (docs/results/embedded_benchmarks.md, rows pixelda_digits_d2x and pixelda_digits).
#   python tools/train.py configs/demo/pixelda_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/pixelda.py",
    "../_base_/schedules/pixelda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(
    generator=dict(num_res_blocks=2, base_channels=16),
    discriminator=dict(channels=(32, 64, 128, 256)),
    task_model=dict(
        _delete_=True,
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=3, image_size=32, dropout_ratio=0.0),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    ),
)
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_iters=3000, val_interval=250)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=250))
