# CDAN on VisDA-2017 Synthetic -> Real, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# DANN's network; the discriminator sees the multilinear map (randomized, 1024-d, on DomainNet);
# CDAN+E: --cfg-options model.entropy_conditioning=True. SGD 0.01 (backbone 0.1x), inv schedule.
# tllib: 80.1 mean per-class / 76.5 overall.
# Metric: mean per-class accuracy (logged as mean_class_accuracy) beside the overall accuracy.
#   python tools/train.py configs/cdan/visda2017/synthetic2real.py
_base_ = [
    "../../_base_/datasets/visda2017.py",
    "../../_base_/models/cdan_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        head=dict(num_classes=12),
    ),
    discriminator=dict(in_channels=256 * 12),
)
train_cfg = dict(max_iters=30000, val_interval=1000)
