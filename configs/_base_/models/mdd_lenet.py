# MDD (Zhang et al., ICML 2019) with the LeNet encoder, 28x28 grey digits (tllib digits setting):
# LeNet -> bottleneck Linear(500, 1024)-BN-ReLU-Dropout(0.5) (N(0, 0.005) weights, 0.1 bias);
# main and adversarial heads Linear(1024, 1024)-ReLU-Dropout(0.5)-Linear(1024, 10) (N(0, 0.01));
# reversal before the adversarial head only, warm start 0 -> 0.1; margin 4.
# the main and the adversarial head share one layout (each is initialised on its own)
mdd_head = dict(
    type="MLPClsHead",
    in_channels=1024,
    num_classes=10,
    hidden_channels=(1024,),
    norm=False,
    dropout_ratio=0.5,
    dropout_position="after",
    init_std=0.01,
)
model = dict(
    type="MDD",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5]),
    classifier=dict(
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0, feature_relu=True),
        bottleneck=dict(
            type="Bottleneck", in_channels=500, out_channels=1024, dropout_ratio=0.5, init_std=0.005, init_bias=0.1
        ),
        head=mdd_head,
    ),
    adversarial_head=mdd_head,
    margin_loss=dict(type="MarginDisparityLoss", margin=4.0),
    grl=dict(type="GradientReversal", hi=0.1, lo=0.0, alpha=1.0, max_iters=1000),
    lambda_adv=1.0,
)
