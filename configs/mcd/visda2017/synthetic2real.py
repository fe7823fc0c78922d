# MCD on VisDA-2017 Synthetic -> Real, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# Generator = the ResNet, classifiers 2048-1024-1024-C (BN, dropout); steps A/B/C, num_k 4;
# SGD 0.001 (generator momentum 0, classifiers 0.9), wd 5e-4, no schedule; 500-iteration epochs x 20.
# Logged: accuracy (ensemble F1 + F2), f1/accuracy, f2/accuracy.
# tllib: 77.7 mean per-class / 76.7 overall (paper 71.9).
# Metric: mean per-class accuracy (logged as mean_class_accuracy) beside the overall accuracy.
#   python tools/train.py configs/mcd/visda2017/synthetic2real.py
_base_ = [
    "../../_base_/datasets/visda2017.py",
    "../../_base_/models/mcd_resnet50.py",
    "../../_base_/schedules/mcd_sgd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    generator=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
    classifiers=dict(head=dict(num_classes=12)),
    lambda_disc=1.0,
)
train_cfg = dict(max_iters=10000, val_interval=500)
val_evaluator = [
    dict(type="Accuracy"),
    dict(type="Accuracy", pred_key="pred_label_f1", prefix="f1", per_class=False),
    dict(type="Accuracy", pred_key="pred_label_f2", prefix="f2", per_class=False),
]
test_evaluator = val_evaluator
