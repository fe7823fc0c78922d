# MCD (Saito et al., CVPR 2018) with the LeNet encoder as generator G, 28x28 grey digits. The two
# classifiers follow the official digits predictor: Dropout-Linear(500, 100)-BN-ReLU-Dropout-
# Linear(100, 100)-BN-ReLU-Linear(100, 10). num_k = 4 generator updates per iteration (official).
model = dict(
    type="MCD",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
    generator=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0, feature_relu=True),
    classifiers=dict(
        type="HeadPair",
        head=dict(
            type="MLPClsHead",
            in_channels=500,
            num_classes=10,
            hidden_channels=(100, 100),
            norm=True,
            dropout_ratio=0.5,
            dropout_position="before",
        ),
    ),
    num_k=4,
    lambda_disc=1.0,
    lambda_balance=0.01,
)
