# CDAN on the embedded photo-blend digit pair (28x28 grey), LeNet from scratch, batch 128 per domain, tllib's
# SGD + inv schedule; the discriminator sees the 2,560-d multilinear map (256 features x 10 classes), no
# entropy conditioning (CDAN+E: configs/demo/cdan_e_digits.py).
#   python tools/train.py configs/demo/cdan_digits.py
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/cdan_lenet.py",
    "../_base_/schedules/inv_sgd_adversarial.py",
    "../_base_/default_runtime.py",
]
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(classifier=dict(paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=1.0)})))
train_cfg = dict(max_iters=1500, val_interval=300)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=1500))
