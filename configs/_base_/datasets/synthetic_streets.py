# Synthetic street scenes (dareg.datasets.synthetic.SyntheticStreetDataset): the embedded demo data.
#
# No files needed: a "source" (game-like: sunny, saturated, sharp) and a "target" (real-like:
# overcast, muted, colour cast, vignetting, noise, blur) domain with the same scene geometry,
# drawn by dareg in memory at 64x128 (H x W). Labels: 8 Cityscapes classes renumbered 0..7
# (road, sidewalk, building, pole, vegetation, sky, person, car), 255 never occurs. A model on
# this data needs num_classes=8. Images are BGR uint8; normalise in the model's
# data_preprocessor, e.g. dict(type="DomainDataPreprocessor", mean=[104.0, 116.7, 122.7]) for
# Caffe-style DeepLab or mean/std=[127.5]*3 for small models.
# Training: labelled source train (200 images) + unlabelled target train (200 images).
# Evaluation: target val (100 images, disjoint from train), mIoU over the 8 classes.
# Preview: docs/_static/synthetic_streets.png.
synthetic_image_size = (64, 128)

synthetic_train_pipeline = [
    dict(type="RandomFlip", prob=0.5),
    dict(type="PackInputs"),
]
synthetic_test_pipeline = [dict(type="PackInputs")]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(
            type="SyntheticStreetDataset",
            domain="source",
            split="train",
            num_samples=200,
            image_size=synthetic_image_size,
            seed=0,
            pipeline=synthetic_train_pipeline,
        ),
        target=dict(
            type="SyntheticStreetDataset",
            domain="target",
            split="train",
            num_samples=200,
            image_size=synthetic_image_size,
            seed=0,
            pipeline=synthetic_train_pipeline,
        ),
    ),
)

val_dataloader = dict(
    batch_size=10,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="SyntheticStreetDataset",
        domain="target",
        split="val",
        num_samples=100,
        image_size=synthetic_image_size,
        seed=0,
        pipeline=synthetic_test_pipeline,
    ),
)
test_dataloader = val_dataloader

val_evaluator = dict(
    type="IoUMetric",
    num_classes=8,
    ignore_index=255,
    class_names=["road", "sidewalk", "building", "pole", "vegetation", "sky", "person", "car"],
)
test_evaluator = val_evaluator
# the loops that use the dataloaders above (mmengine needs test_cfg beside test_dataloader/test_evaluator)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
