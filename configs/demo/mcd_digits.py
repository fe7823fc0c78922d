# MCD on the embedded photo-blend digit pair (28x28 grey): LeNet generator, two 500-100-100-10 classifiers,
# num_k 4, Adam 2e-4 (official digits setting), batch 128 per domain. The log reports the ensemble's accuracy
# (accuracy) and each classifier's (f1/accuracy, f2/accuracy).
#   python tools/train.py configs/demo/mcd_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/mcd_lenet.py",
    "../_base_/schedules/mcd_adam_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(num_k=2)
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(generator=dict(optimizer=dict(lr=1e-3)), classifiers=dict(optimizer=dict(lr=1e-3)))
val_evaluator = [
    dict(type="Accuracy"),
    dict(type="Accuracy", pred_key="pred_label_f1", prefix="f1", per_class=False),
    dict(type="Accuracy", pred_key="pred_label_f2", prefix="f2", per_class=False),
]
test_evaluator = val_evaluator
train_cfg = dict(max_iters=600, val_interval=200)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=200))
