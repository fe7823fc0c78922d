# DANN on the embedded photo-blend digit pair (scikit-learn digits -> photo-blended digits, 28x28 grey), LeNet
# trained from scratch (backbone at 1x), batch 128 per domain, tllib's SGD + inv schedule.
#   python tools/train.py configs/demo/dann_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/dann_lenet.py",
    "../_base_/schedules/inv_sgd_adversarial.py",
    "../_base_/default_runtime.py",
]
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(classifier=dict(paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=1.0)})))
train_cfg = dict(max_iters=1500, val_interval=300)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=1500))
