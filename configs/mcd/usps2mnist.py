# MCD on USPS -> MNIST, LeNet trained from scratch (28x28 grey), batch 128 per domain;
# 1,800 USPS / 2,000 MNIST training digits (ADDA's protocol).
# Official digits setting: Adam 2e-4, wd 5e-4, num_k 4. Logged: accuracy (ensemble), f1/, f2/accuracy.
# tllib (S->M, M->U, U->M): 90.6 / 94.1 / 97.6 (paper S->M 96.2, M->U 94.2).
#   python tools/train.py configs/mcd/usps2mnist.py
_base_ = [
    "../_base_/datasets/usps2mnist.py",
    "../_base_/models/mcd_lenet.py",
    "../_base_/schedules/mcd_adam_digits.py",
    "../_base_/default_runtime.py",
]
val_evaluator = [
    dict(type="Accuracy"),
    dict(type="Accuracy", pred_key="pred_label_f1", prefix="f1", per_class=False),
    dict(type="Accuracy", pred_key="pred_label_f2", prefix="f2", per_class=False),
]
test_evaluator = val_evaluator
train_cfg = dict(max_iters=20000, val_interval=1000)
