# What MinEnt and AdvEnt share on dareg's embedded synthetic street scenes (64x128, 8 classes): a
# multi-level DeepLab-v2 (ResNet-50, 4-branch ASPP heads, random initialisation: nothing to
# download), the reference's loss weights, and a schedule short enough for a CPU.
# Run from the root of a dareg checkout (the _base_ paths point into dareg's configs/).
_base_ = [
    "../../../../configs/_base_/datasets/synthetic_streets.py",
    "../../../../configs/_base_/default_runtime.py",
]

model = dict(
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[104.00698793, 116.66876762, 122.67891434]),
    segmentor=dict(
        type="MultiLevelSegmentor",
        backbone=dict(type="DeepLabV2ResNet", depth=50),
        head=dict(type="ASPPClassifier", num_classes=8, num_branches=4),
        auxiliary_head=dict(type="ASPPClassifier", num_classes=8, num_branches=4),
        loss_weights=(0.1, 1.0),
    ),
)

train_dataloader = dict(batch_size=2)

# from scratch on 200 images: a 10x larger learning rate than the GTA5 setting, same structure
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    segmentor=dict(
        optimizer=dict(type="SGD", lr=2.5e-3, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)}),
    ),
)
param_scheduler = dict(
    segmentor=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=2000, by_epoch=False),
)

train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=2000, val_interval=500)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=500),
)
