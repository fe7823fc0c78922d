# DANN on MNIST -> USPS, LeNet trained from scratch (28x28 grey), batch 128 per domain;
# 2,000 MNIST / 1,800 USPS training digits (ADDA's protocol).
# tllib digits setting: SGD 0.01 (backbone 1x, from scratch), momentum 0.9, wd 1e-3, inv schedule;
# 2,500-iteration epochs x 20.
# tllib (S->M, M->U, U->M): 90.8 / 91.7 / 95.2.
#   python tools/train.py configs/dann/mnist2usps.py
_base_ = [
    "../_base_/datasets/mnist2usps.py",
    "../_base_/models/dann_lenet.py",
    "../_base_/schedules/inv_sgd_adversarial.py",
    "../_base_/default_runtime.py",
]
optim_wrapper = dict(classifier=dict(paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=1.0)})))
train_cfg = dict(max_iters=50000, val_interval=2500)
