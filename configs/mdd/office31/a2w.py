# MDD on Office-31 A -> W, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 5 tasks override the domains of this file (office31/<task>.py).
# Bottleneck and heads 1024 wide (2048 on Office-Home), margin 4 (2 on Office-Home, official code),
# reversal warm start 0 -> 0.1; SGD 0.004 (backbone 0.1x), wd 5e-4, Nesterov, inv gamma 0.0002.
# tllib reproduces 95.6 on A -> W and 89.6 on average (paper 88.9).
#   python tools/train.py configs/mdd/office31/a2w.py
_base_ = [
    "../../_base_/datasets/office31.py",
    "../../_base_/models/mdd_resnet50.py",
    "../../_base_/schedules/inv_sgd_mdd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(head=dict(num_classes=31)),
    adversarial_head=dict(num_classes=31),
)
