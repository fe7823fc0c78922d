# What MinEnt and AdvEnt share on GTA5 -> Cityscapes in the reference implementation (valeoai/ADVENT):
# DeepLab-v2 ResNet-101 with the 4-branch ASPP classifier on layer3 (aux) and layer4 (main),
# ImageNet initialisation, CE(main) + 0.1 * CE(aux) on source, SGD 2.5e-4 (heads 10x), momentum 0.9,
# weight decay 5e-4, poly 0.9 over 250k iterations, stopped at 120k; snapshots every 2k iterations.
# Run from the root of a dareg checkout (the _base_ paths point into dareg's configs/).
_base_ = [
    "../../../../configs/_base_/datasets/gta2cityscapes.py",
    "../../../../configs/_base_/default_runtime.py",
]

model = dict(
    # Caffe-style input: BGR, mean subtracted on the 0..255 scale, no std
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[104.00698793, 116.66876762, 122.67891434]),
    segmentor=dict(
        type="MultiLevelSegmentor",
        # ImageNet-only DeepLab initialisation of ADVENT's release; a local file, never downloaded
        backbone=dict(
            type="DeepLabV2ResNet", depth=101, pretrained="checkpoints/DeepLab_resnet_pretrained_imagenet.pth"
        ),
        head=dict(type="ASPPClassifier", num_classes=19, num_branches=4),
        auxiliary_head=dict(type="ASPPClassifier", num_classes=19, num_branches=4),
        loss_weights=(0.1, 1.0),
    ),
)

optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    segmentor=dict(
        optimizer=dict(type="SGD", lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)}),
    ),
)
param_scheduler = dict(
    segmentor=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=250000, by_epoch=False),
)

train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=120000, val_interval=2000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(checkpoint=dict(interval=2000))
