# MDD on Office-Home Ar -> Cl, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (officehome/<task>.py).
# Bottleneck and heads 1024 wide (2048 on Office-Home), margin 4 (2 on Office-Home, official code),
# reversal warm start 0 -> 0.1; SGD 0.004 (backbone 0.1x), wd 5e-4, Nesterov, inv gamma 0.0002.
# tllib: 69.7 on average (paper 68.1).
#   python tools/train.py configs/mdd/officehome/ar2cl.py
_base_ = [
    "../../_base_/datasets/officehome.py",
    "../../_base_/models/mdd_resnet50.py",
    "../../_base_/schedules/inv_sgd_mdd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(
        bottleneck=dict(out_channels=2048), head=dict(in_channels=2048, num_classes=65, hidden_channels=(2048,))
    ),
    adversarial_head=dict(in_channels=2048, num_classes=65, hidden_channels=(2048,)),
    margin_loss=dict(margin=2.0),
)
train_cfg = dict(max_iters=30000, val_interval=1000)
