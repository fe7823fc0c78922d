# MDD on VisDA-2017 Synthetic -> Real, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# Bottleneck and heads 1024 wide (2048 on Office-Home), margin 4 (2 on Office-Home, official code),
# reversal warm start 0 -> 0.1; SGD 0.004 (backbone 0.1x), wd 5e-4, Nesterov, inv gamma 0.0002.
# tllib: 82.0 mean per-class / 79.8 overall.
# Metric: mean per-class accuracy (logged as mean_class_accuracy) beside the overall accuracy.
#   python tools/train.py configs/mdd/visda2017/synthetic2real.py
_base_ = [
    "../../_base_/datasets/visda2017.py",
    "../../_base_/models/mdd_resnet50.py",
    "../../_base_/schedules/inv_sgd_mdd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        head=dict(num_classes=12),
    ),
    adversarial_head=dict(num_classes=12),
)
train_cfg = dict(max_iters=30000, val_interval=1000)
