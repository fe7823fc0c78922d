# CDAN on Office-Home Ar -> Cl, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 11 tasks override the domains of this file (officehome/<task>.py).
# DANN's network; the discriminator sees the multilinear map (randomized, 1024-d, on DomainNet);
# CDAN+E: --cfg-options model.entropy_conditioning=True. SGD 0.01 (backbone 0.1x), inv schedule.
# tllib: 68.8 on average (CDAN+E paper 65.8).
#   python tools/train.py configs/cdan/officehome/ar2cl.py
_base_ = [
    "../../_base_/datasets/officehome.py",
    "../../_base_/models/cdan_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(head=dict(num_classes=65)),
    discriminator=dict(in_channels=256 * 65),
)
train_cfg = dict(max_iters=30000, val_interval=1000)
