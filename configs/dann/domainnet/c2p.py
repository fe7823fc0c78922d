# DANN on DomainNet c -> p, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (domainnet/<task>.py).
# Bottleneck 256 (1024 on DomainNet), discriminator 256-1024-1024-1 (BN), warm-start reversal 0 -> 1;
# SGD 0.01 (backbone 0.1x), momentum 0.9, wd 1e-3, Nesterov, inv schedule; batch 32 + 32.
# METHODS.md quotes no DomainNet number for this method. Validation on the
# target train split, the reported accuracy on the target test split (tools/test.py).
#   python tools/train.py configs/dann/domainnet/c2p.py
_base_ = [
    "../../_base_/datasets/domainnet.py",
    "../../_base_/models/dann_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        bottleneck=dict(out_channels=1024),
        head=dict(in_channels=1024, num_classes=345),
    ),
    discriminator=dict(in_channels=1024),
)
train_cfg = dict(max_iters=75000, val_interval=2500)
