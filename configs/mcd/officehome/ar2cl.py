# MCD on Office-Home Ar -> Cl, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (officehome/<task>.py).
# Generator = the ResNet, classifiers 2048-1024-1024-C (BN, dropout); steps A/B/C, num_k 4;
# SGD 0.001 (generator momentum 0, classifiers 0.9), wd 5e-4, no schedule; 500-iteration epochs x 20.
# Logged: accuracy (ensemble F1 + F2), f1/accuracy, f2/accuracy.
# tllib: 67.8 on average.
#   python tools/train.py configs/mcd/officehome/ar2cl.py
_base_ = [
    "../../_base_/datasets/officehome.py",
    "../../_base_/models/mcd_resnet50.py",
    "../../_base_/schedules/mcd_sgd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifiers=dict(head=dict(num_classes=65)),
    lambda_disc=30.0,
)
train_cfg = dict(max_iters=10000, val_interval=500)
val_evaluator = [
    dict(type="Accuracy"),
    dict(type="Accuracy", pred_key="pred_label_f1", prefix="f1", per_class=False),
    dict(type="Accuracy", pred_key="pred_label_f2", prefix="f2", per_class=False),
]
test_evaluator = val_evaluator
