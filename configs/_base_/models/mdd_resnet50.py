# MDD (Zhang et al., ICML 2019) on an ImageNet ResNet-50 (official code / tllib): ResNet-50 ->
# bottleneck Linear(2048, 1024)-BN-ReLU-Dropout(0.5) (weights N(0, 0.005), bias 0.1); main and
# adversarial heads Linear(1024, 1024)-ReLU-Dropout(0.5)-Linear(1024, C) (weights N(0, 0.01), bias 0);
# gradient reversal in front of the adversarial head only, warm start 0 -> 0.1; margin 4 (official:
# 4 for Office-31, 2 for Office-Home); loss CE + 1.0 * disparity. Widths b = w = 1024 (Office-31,
# VisDA), 2048 (Office-Home). A benchmark config sets num_classes (both heads) and the widths.
# the main and the adversarial head share one layout (each is initialised on its own)
mdd_head = dict(
    type="MLPClsHead",
    in_channels=1024,
    num_classes=31,
    hidden_channels=(1024,),
    norm=False,
    dropout_ratio=0.5,
    dropout_position="after",
    init_std=0.01,
)
model = dict(
    type="MDD",
    data_preprocessor=dict(
        type="DomainDataPreprocessor", mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True
    ),
    classifier=dict(
        type="ImageClassifier",
        backbone=dict(
            type="TorchvisionResNet", model_name="resnet50", checkpoint_path="data/pretrained/resnet50-0676ba61.pth"
        ),
        bottleneck=dict(
            type="Bottleneck", in_channels=2048, out_channels=1024, dropout_ratio=0.5, init_std=0.005, init_bias=0.1
        ),
        head=mdd_head,
    ),
    adversarial_head=mdd_head,
    margin_loss=dict(type="MarginDisparityLoss", margin=4.0),
    grl=dict(type="GradientReversal", hi=0.1, lo=0.0, alpha=1.0, max_iters=1000),
    lambda_adv=1.0,
)
