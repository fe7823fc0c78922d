# ADDA on the embedded digit pair (28x28 grey), both phases in one run: iterations [0, 600) pre-train
# the source LeNet exactly as configs/demo/source_only_digits.py does, iterations [600, 1500) adapt.
#   python tools/train.py configs/demo/adda_digits.py            (resume in either phase: --resume)
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/adda_lenet.py",
    "../_base_/schedules/adda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(pretrain_iters=600)
optim_wrapper = dict(classifier=dict(optimizer=dict(lr=1e-3)))
train_cfg = dict(max_iters=1500, val_interval=300)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
# Unsupervised validators, logged beside the target accuracy as validator/<name> (docs/analysis.md);
# they read the training pair's two datasets and the source test split, and do not change training.
val_cfg = dict(
    type="ValidatorValLoop",
    validators=[dict(type="IM"), dict(type="SND"), dict(type="DEV"), dict(type="SourceAccuracy")],
    splits=dict(source_val=dict(like="train_dataloader.dataset.source", split="test")),
)
