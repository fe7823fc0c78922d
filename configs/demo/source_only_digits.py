# Source-only LeNet on the embedded digit pair (scikit-learn digits -> photo-blended digits, 28x28 grey).
# Trains in about a minute on 2 CPU cores:  python tools/train.py configs/demo/source_only_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/lenet_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
optim_wrapper = dict(task_model=dict(optimizer=dict(lr=1e-3)))
train_cfg = dict(max_iters=600, val_interval=600)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=600))
# Unsupervised validators, logged beside the target accuracy as validator/<name> (docs/analysis.md);
# they read the training pair's two datasets and the source test split, and do not change training.
val_cfg = dict(
    type="ValidatorValLoop",
    validators=[dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy")],
    splits=dict(source_val=dict(like="train_dataloader.dataset.source", split="test")),
)
