# CDAN on DomainNet c -> p, ImageNet ResNet-101 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (domainnet/<task>.py).
# DANN's network; the discriminator sees the multilinear map (randomized, 1024-d, on DomainNet);
# CDAN+E: --cfg-options model.entropy_conditioning=True. SGD 0.01 (backbone 0.1x), inv schedule.
# METHODS.md quotes no DomainNet number for this method. Validation on the
# target train split, the reported accuracy on the target test split (tools/test.py).
#   python tools/train.py configs/cdan/domainnet/c2p.py
_base_ = [
    "../../_base_/datasets/domainnet.py",
    "../../_base_/models/cdan_resnet50.py",
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
    multilinear_map=dict(type="RandomizedMultilinearMap", features_dim=1024, num_classes=345, output_dim=1024),
)
train_cfg = dict(max_iters=75000, val_interval=2500)
