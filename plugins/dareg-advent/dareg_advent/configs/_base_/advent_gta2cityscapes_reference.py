# dareg's AdaptSegNet setting for GTA5 -> Cityscapes, changed where ADVENT's reference implementation
# (valeoai/ADVENT) differs: all four ASPP branches summed (AdaptSegNet's code runs two), ImageNet-only
# initialisation (DeepLab_resnet_pretrained_imagenet.pth of the ADVENT release, a local file, never
# downloaded), training stopped at 120,000 of the 250,000-iteration poly schedule, snapshots and
# Cityscapes-val evaluation every 2,000 iterations. The algorithm is set by the configs that inherit this.
# The _base_ entries are dareg's installed configs (dareg:: names): this runs wherever dareg is installed.
_base_ = [
    "dareg::_base_/default_runtime.py",
    "dareg::_base_/datasets/gta2cityscapes.py",
    "dareg::_base_/models/deeplabv2_multilevel.py",
    "dareg::_base_/schedules/adaptseg_poly_150k.py",
]

model = dict(
    segmentor=dict(
        backbone=dict(pretrained="checkpoints/DeepLab_resnet_pretrained_imagenet.pth"),
        head=dict(num_branches=4),
        auxiliary_head=dict(num_branches=4),
    ),
)

train_cfg = dict(max_iters=120000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))
