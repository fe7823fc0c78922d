# DANN on Office-31 A -> W, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 5 tasks override the domains of this file (office31/<task>.py).
# Bottleneck 256 (1024 on DomainNet), discriminator 256-1024-1024-1 (BN), warm-start reversal 0 -> 1;
# SGD 0.01 (backbone 0.1x), momentum 0.9, wd 1e-3, Nesterov, inv schedule; batch 32 + 32.
# tllib reproduces 91.4 on A -> W and 86.1 on average over the six tasks (paper 82.2).
#   python tools/train.py configs/dann/office31/a2w.py
_base_ = [
    "../../_base_/datasets/office31.py",
    "../../_base_/models/dann_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(head=dict(num_classes=31)),
)
