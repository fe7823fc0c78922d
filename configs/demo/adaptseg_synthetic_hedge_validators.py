# The hedge street-scene demo (adaptseg_synthetic_hedge.py) with a validation, the unsupervised validators and
# a kept checkpoint every 50 iterations: the runs of the streets study in docs/results/validators.md.
# IM and SND score the target predictions pixel by pixel (every 8th pixel of each row and column of the first
# 64 unlabelled target training images); DEV and SourceAccuracy need image-level labels, so they are not used.
#   python tools/analysis/multi_seed.py configs/demo/adaptseg_synthetic_hedge_validators.py --seeds 0 1 2 \
#       --metric mIoU --work-dir work_dirs/validator_study/adaptseg_synthetic_hedge
_base_ = ["./adaptseg_synthetic_hedge.py"]

train_cfg = dict(val_interval=50)
val_cfg = dict(
    type="ValidatorValLoop",
    validators=[dict(type="IM"), dict(type="SND")],
    max_samples=64,
    batch_size=16,
    pixel_stride=8,
)
default_hooks = dict(checkpoint=dict(interval=50, max_keep_ckpts=10))
