# MDD on SVHN -> MNIST, LeNet trained from scratch (28x28 grey), batch 128 per domain;
# the full sets, SVHN made grey 28x28 as ADDA feeds LeNet (tllib uses DTN on 32x32 RGB).
# tllib digits setting: SGD 0.01 (backbone 1x, from scratch), inv gamma 0.0002, margin 4, widths 1024.
# tllib (S->M, M->U, U->M): 88.4 / 94.8 / 97.8.
#   python tools/train.py configs/mdd/svhn2mnist.py
_base_ = [
    "../_base_/datasets/svhn2mnist.py",
    "../_base_/models/mdd_lenet.py",
    "../_base_/schedules/inv_sgd_mdd.py",
    "../_base_/default_runtime.py",
]
optim_wrapper = dict(
    classifier=dict(optimizer=dict(lr=0.01), paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=1.0)})),
    adversarial_head=dict(optimizer=dict(lr=0.01)),
)
train_cfg = dict(max_iters=50000, val_interval=2500)
