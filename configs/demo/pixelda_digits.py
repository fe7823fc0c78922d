# PixelDA on the embedded digit pair (32x32 colour): the reference's losses, loss weights, optimiser
# and layer types, with every network narrowed to train in minutes on 2 CPU cores: generator 16
# filters and 2 residual blocks (reference 64 and 6), discriminator 16-32-64-128 (64-128-256-512),
# a LeNet task classifier (as configs/demo/source_only_digits_rgb32.py), batch 16 (32).
#   python tools/train.py configs/demo/pixelda_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded_rgb32.py",
    "../_base_/models/pixelda.py",
    "../_base_/schedules/pixelda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(
    generator=dict(num_res_blocks=2, base_channels=16),
    discriminator=dict(channels=(16, 32, 64, 128)),
    task_model=dict(
        _delete_=True,
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=3, image_size=32, dropout_ratio=0.0),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    ),
)
train_dataloader = dict(batch_size=16)
train_cfg = dict(max_iters=600, val_interval=150)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
# Unsupervised validators, logged beside the target accuracy as validator/<name> (docs/analysis.md);
# they read the training pair's two datasets and the source test split, and do not change training.
val_cfg = dict(
    type="ValidatorValLoop",
    validators=[dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy")],
    splits=dict(source_val=dict(like="train_dataloader.dataset.source", split="test")),
)
