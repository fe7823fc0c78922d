# What the image-list classification benchmarks share (office31.py, officehome.py, visda2017.py,
# domainnet.py fill in the dataset types, roots and domains).
# Protocol (Transfer-Learning-Library, "tllib"): all labelled source images and all unlabelled target
# images train, batch 32 source + 32 target; accuracy on the target domain.
# Transforms (tllib's get_train_transform / get_val_transform): square resize 256, random resized crop
# 224 (area 0.08-1, aspect 3/4-4/3), horizontal flip; evaluation: resize 256, centre crop 224. Images
# are read BGR (OpenCV) and packed as uint8: the model's DomainDataPreprocessor flips them to RGB and
# applies ImageNet's mean/std (mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True).
# LoadImageFromFile(min_size=(256, 256)): JPEGs of 512x512 and more are decoded at 1/2, 1/4 or 1/8
# scale (libjpeg), never below 256x256, before the area resize (1.8x the images/s for a 1000x1000
# Office-31 DSLR-sized JPEG; 53 dB PSNR from a full decode). Smaller images decode at full size.
# Loaders: pinned memory (dropped on machines without a GPU) and persistent workers (dropped with
# num_workers=0).
train_pipeline = [
    dict(type="LoadImageFromFile", min_size=(256, 256)),
    dict(type="Resize", scale=(256, 256), antialias=True),
    dict(type="RandomResizedCrop", size=224, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PackInputs"),
]
test_pipeline = [
    dict(type="LoadImageFromFile", min_size=(256, 256)),
    dict(type="Resize", scale=(256, 256), antialias=True),
    dict(type="CenterCrop", size=224),
    dict(type="PackInputs"),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(pipeline=train_pipeline),
        target=dict(pipeline=train_pipeline),
    ),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="Accuracy")
test_evaluator = val_evaluator
