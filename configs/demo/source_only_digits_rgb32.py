# Source-only baseline for PixelDA on the embedded digit pair: the task classifier of
# configs/demo/pixelda_digits.py (LeNet on 32x32 colour) trained on the source digits with the same
# optimiser, batch and iterations, evaluated on the photo-blended target digits.
#   python tools/train.py configs/demo/source_only_digits_rgb32.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/pixelda_task_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(
    task_model=dict(
        _delete_=True,
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=3, image_size=32, dropout_ratio=0.0),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    )
)
optim_wrapper = dict(
    task_model=dict(optimizer=dict(lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-5), clip_grad=dict(max_norm=5.0))
)
train_dataloader = dict(batch_size=16)
train_cfg = dict(max_iters=600, val_interval=150)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
