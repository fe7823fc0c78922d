# Source-only LeNet classifier (ADDA's source network: LeNet encoder + linear classifier), 28x28 grey.
# Every domain is normalised the same way: uint8 0..255 -> [-1, 1].
model = dict(
    type="SourceOnly",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
    task_model=dict(
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0, feature_relu=True),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    ),
)
