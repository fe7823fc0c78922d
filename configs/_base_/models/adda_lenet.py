# ADDA (Tzeng et al., CVPR 2017) with the LeNet encoder, 28x28 grey digits.
# Phase 1 (iterations [0, pretrain_iters)): source encoder + classifier on source labels.
# Phase 2 (the rest): target encoder = copy of the source encoder, trained against a
# 500-500-500-2 ReLU discriminator with inverted labels (labels: source 0, target 1).
# adapt_on="logits" feeds the 10-d classifier logits to the discriminator, as the TF reference does
# (then discriminator.in_channels=10). The encoder has no dropout, as in the TF reference: the frozen
# source encoder runs in eval mode in phase 2, so dropout noise in the training target encoder would
# be a difference the discriminator could learn instead of the domain.
model = dict(
    type="ADDA",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
    classifier=dict(
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0, feature_relu=True),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    ),
    discriminator=dict(type="MLPDiscriminator", in_channels=500, hidden_channels=500, num_layers=2, out_channels=2),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    pretrain_iters=10000,
    adapt_on="features",
)
