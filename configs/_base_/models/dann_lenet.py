# DANN (Ganin & Lempitsky, ICML 2015) with the LeNet encoder, 28x28 grey digits (tllib digits setting:
# LeNet -> bottleneck Linear(500, 256)-BN-ReLU -> Linear(256, 10); discriminator 256-1024-1024-1 with BN
# behind a gradient reversal layer, warm start 0 -> 1; source label 1, target 0).
model = dict(
    type="DANN",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
    classifier=dict(
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0, feature_relu=True),
        bottleneck=dict(type="Bottleneck", in_channels=500, out_channels=256),
        head=dict(type="LinearClsHead", in_channels=256, num_classes=10),
    ),
    discriminator=dict(type="DomainDiscriminator", in_channels=256, hidden_channels=1024, norm="bn"),
    grl=dict(type="GradientReversal", hi=1.0, lo=0.0, alpha=1.0, max_iters=1000),
    lambda_adv=1.0,
)
