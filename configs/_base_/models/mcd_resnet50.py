# MCD (Saito et al., CVPR 2018) on an ImageNet ResNet-50, the Transfer-Learning-Library setting: the
# generator G is the pooled ResNet-50 (2048-d); the two classifiers are Dropout(0.5)-Linear(2048, 1024)-
# BN-ReLU-Dropout(0.5)-Linear(1024, 1024)-BN-ReLU-Linear(1024, C), initialised independently.
# num_k = 4 generator updates (step C) per iteration; lambda_disc (tllib's trade-off) 10 for Office-31,
# 30 Office-Home, 1 VisDA; class-balance term 0.01 on target (tllib). A benchmark config sets
# num_classes and lambda_disc, and scores F1, F2 and the ensemble (Accuracy with pred_key).
model = dict(
    type="MCD",
    data_preprocessor=dict(
        type="DomainDataPreprocessor", mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True
    ),
    generator=dict(
        type="TorchvisionResNet", model_name="resnet50", checkpoint_path="data/pretrained/resnet50-0676ba61.pth"
    ),
    classifiers=dict(
        type="HeadPair",
        head=dict(
            type="MLPClsHead",
            in_channels=2048,
            num_classes=31,
            hidden_channels=(1024, 1024),
            norm=True,
            dropout_ratio=0.5,
            dropout_position="before",
        ),
    ),
    num_k=4,
    lambda_disc=10.0,
    lambda_balance=0.01,
)
