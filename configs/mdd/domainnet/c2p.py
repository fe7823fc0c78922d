# MDD on DomainNet c -> p, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (domainnet/<task>.py).
# Bottleneck and heads 1024 wide (2048 on Office-Home), margin 4 (2 on Office-Home, official code),
# reversal warm start 0 -> 0.1; SGD 0.004 (backbone 0.1x), wd 5e-4, Nesterov, inv gamma 0.0002.
# METHODS.md quotes no DomainNet number for this method. Validation on the
# target train split, the reported accuracy on the target test split (tools/test.py).
#   python tools/train.py configs/mdd/domainnet/c2p.py
_base_ = [
    "../../_base_/datasets/domainnet.py",
    "../../_base_/models/mdd_resnet50.py",
    "../../_base_/schedules/inv_sgd_mdd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        head=dict(num_classes=345),
    ),
    adversarial_head=dict(num_classes=345),
)
train_cfg = dict(max_iters=75000, val_interval=2500)
