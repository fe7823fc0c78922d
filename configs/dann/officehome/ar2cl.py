# DANN on Office-Home Ar -> Cl, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (officehome/<task>.py).
# Bottleneck 256 (1024 on DomainNet), discriminator 256-1024-1024-1 (BN), warm-start reversal 0 -> 1;
# SGD 0.01 (backbone 0.1x), momentum 0.9, wd 1e-3, Nesterov, inv schedule; batch 32 + 32.
# tllib: 65.2 on average over the twelve tasks (paper 57.6).
#   python tools/train.py configs/dann/officehome/ar2cl.py
_base_ = [
    "../../_base_/datasets/officehome.py",
    "../../_base_/models/dann_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(head=dict(num_classes=65)),
)
train_cfg = dict(max_iters=30000, val_interval=1000)
