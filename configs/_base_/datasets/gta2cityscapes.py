# GTA5 -> Cityscapes (AdaptSegNet protocol, Tsai et al. CVPR 2018).
# Source: GTA5 (data/gta5: images/, labels/), every image resized to 1280x720 (bicubic image,
#   nearest label), no crop, no flip; palette labels read by their indices (LoadIndexedSegMap) and
#   mapped to the 19 Cityscapes train ids. Get it from download.visinf.tu-darmstadt.de/data/from_games
# Target: Cityscapes train (data/cityscapes: leftImg8bit/, gtFine/), images resized to 1024x512,
#   labels unused. Get leftImg8bit_trainvaltest.zip + gtFine_trainvaltest.zip from cityscapes-dataset.com
# Val/test: Cityscapes val, images resized to 1024x512, labels kept at 2048x1024 (the model
#   upsamples its logits to the label size), mIoU over 19 classes ignoring 255.
# Batch: 1 image per domain. Normalisation (BGR, mean subtraction) is the model's data_preprocessor.
gta5_root = "data/gta5"
cityscapes_root = "data/cityscapes"

gta5_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadIndexedSegMap"),
    dict(type="Resize", scale=(1280, 720), interpolation="bicubic"),
    dict(type="PackInputs"),
]
cityscapes_train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(1024, 512), interpolation="bicubic"),
    dict(type="PackInputs"),
]
cityscapes_test_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadSegMap"),
    dict(type="Resize", scale=(1024, 512), interpolation="bicubic", keep_seg=True),
    dict(type="PackInputs"),
]

train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(type="GTA5Dataset", data_root=gta5_root, pipeline=gta5_pipeline),
        target=dict(
            type="CityscapesDataset",
            data_root=cityscapes_root,
            split="train",
            with_labels=False,
            pipeline=cityscapes_train_pipeline,
        ),
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="CityscapesDataset",
        data_root=cityscapes_root,
        split="val",
        label_type="labelIds",
        pipeline=cityscapes_test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="IoUMetric", num_classes=19, ignore_index=255)
test_evaluator = val_evaluator
# the loops that use the dataloaders above (mmengine needs test_cfg beside test_dataloader/test_evaluator)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
