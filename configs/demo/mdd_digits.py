# MDD on the embedded photo-blend digit pair (28x28 grey), LeNet from scratch, batch 128 per domain,
# bottleneck and heads 1024 wide, margin 4, SGD + inv schedule (tllib digits: lr 0.01, gamma 0.0002).
#   python tools/train.py configs/demo/mdd_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/mdd_lenet.py",
    "../_base_/schedules/inv_sgd_mdd.py",
    "../_base_/default_runtime.py",
]
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(
    classifier=dict(optimizer=dict(lr=0.01), paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=1.0)})),
    adversarial_head=dict(optimizer=dict(lr=0.01)),
)
train_cfg = dict(max_iters=1500, val_interval=300)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=1500))
