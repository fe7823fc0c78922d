# Source-only baseline for the PixelDA setting: PixelDA's task classifier trained on source images,
# 32x32 colour in [-1, 1].
model = dict(
    type="SourceOnly",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True),
    task_model=dict(
        type="ImageClassifier",
        backbone=dict(type="PixelDATaskNet", in_channels=3, image_size=32, feat_channels=512),
        head=dict(type="LinearClsHead", in_channels=512, num_classes=10),
    ),
)
