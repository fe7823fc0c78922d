# DANN on VisDA-2017 Synthetic -> Real, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# Bottleneck 256 (1024 on DomainNet), discriminator 256-1024-1024-1 (BN), warm-start reversal 0 -> 1;
# SGD 0.01 (backbone 0.1x), momentum 0.9, wd 1e-3, Nesterov, inv schedule; batch 32 + 32.
# tllib: 79.5 mean per-class / 74.9 overall.
# Metric: mean per-class accuracy (logged as mean_class_accuracy) beside the overall accuracy.
#   python tools/train.py configs/dann/visda2017/synthetic2real.py
_base_ = [
    "../../_base_/datasets/visda2017.py",
    "../../_base_/models/dann_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        head=dict(num_classes=12),
    ),
)
train_cfg = dict(max_iters=30000, val_interval=1000)
