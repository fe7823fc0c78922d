# GTA5 -> Cityscapes (AdaptSegNet protocol, Tsai et al. CVPR 2018).
# Source: GTA5 (data/gta5: images/, labels/), every image resized to 1280x720 (bicubic image,
#   nearest label), no crop, no flip; palette labels read by their indices (LoadIndexedSegMap) and
#   mapped to the 19 Cityscapes train ids. Get it from download.visinf.tu-darmstadt.de/data/from_games
# Target: Cityscapes train (data/cityscapes: leftImg8bit/, gtFine/), images resized to 1024x512,
#   labels unused. Get leftImg8bit_trainvaltest.zip + gtFine_trainvaltest.zip from cityscapes-dataset.com
# Val/test: Cityscapes val, images resized to 1024x512, labels kept at 2048x1024 (the model
#   upsamples its logits to the label size), mIoU over 19 classes ignoring 255.
# Cityscapes images are shrunk by area averaging, not bicubic: 2048x1024 -> 1024x512 is exactly 1/2,
#   so LoadImageFromFile(min_size=...) decodes them at half size (the 2x2 average, identical to
#   Resize(interpolation="area") after a full decode) and the Resize has nothing left to do. It is
#   closer to the reference's Pillow bicubic (which filters while shrinking) than OpenCV's bicubic
#   (49.5 dB against 43.5 dB PSNR) and cheaper; GTA5 (1914x1052 -> 1280x720) keeps OpenCV's bicubic,
#   as area averaging at a 1.5x reduction is 5x slower there. See docs/results/benchmark.md.
# Batch: 1 image per domain. Normalisation (BGR, mean subtraction) is the model's data_preprocessor.
# Loaders: pinned memory (faster host-to-GPU copies; dareg drops it on machines without a GPU) and
#   workers kept between epochs; dareg drops persistent_workers when num_workers is set to 0.
gta5_root = "data/gta5"
cityscapes_root = "data/cityscapes"

gta5_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadIndexedSegMap"),
    dict(type="Resize", scale=(1280, 720), interpolation="bicubic"),
    dict(type="PackInputs"),
]
cityscapes_train_pipeline = [
    dict(type="LoadImageFromFile", min_size=(1024, 512)),
    dict(type="Resize", scale=(1024, 512), interpolation="area"),
    dict(type="PackInputs"),
]
cityscapes_test_pipeline = [
    dict(type="LoadImageFromFile", min_size=(1024, 512)),
    dict(type="LoadSegMap"),
    dict(type="Resize", scale=(1024, 512), interpolation="area", keep_seg=True),
    dict(type="PackInputs"),
]

train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
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
    pin_memory=True,
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
