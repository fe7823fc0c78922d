# CDAN on Office-31 A -> W, ImageNet ResNet-50 (Transfer-Learning-Library protocol).
# The other 5 tasks override the domains of this file (office31/<task>.py).
# DANN's network; the discriminator sees the multilinear map (randomized, 1024-d, on DomainNet);
# CDAN+E: --cfg-options model.entropy_conditioning=True. SGD 0.01 (backbone 0.1x), inv schedule.
# tllib reproduces 93.8 on A -> W and 87.7 on average (CDAN+E paper 87.7).
#   python tools/train.py configs/cdan/office31/a2w.py
_base_ = [
    "../../_base_/datasets/office31.py",
    "../../_base_/models/cdan_resnet50.py",
    "../../_base_/schedules/inv_sgd_adversarial.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    classifier=dict(head=dict(num_classes=31)),
    discriminator=dict(in_channels=256 * 31),
)
