# AdaptSegNet's multi-level DeepLab-v2 ResNet-101 (Tsai et al., CVPR 2018) and its discriminators.
# Backbone: Caffe-style ResNet-101, output stride 8 (layer3 dilation 2, layer4 dilation 4), BN affine
#   frozen, BN statistics updated in train mode (the reference); frozen_bn_stats=True freezes them.
#   Initialised from the reference's ImageNet+COCO DeepLab checkpoint (keys "Scale.*", converted on
#   load): download DeepLab_resnet_pretrained_init-f81d91e8.pth (linked from the AdaptSegNet README)
#   into checkpoints/, or set model.segmentor.backbone.pretrained=None for random initialisation.
# Heads: DeepLab-v2 ASPP classifiers (summed dilated 3x3 convs), auxiliary on layer3, main on layer4;
#   num_branches=2 is what the reference code runs (published numbers), 4 is the paper's text.
#   in_channels comes from the backbone (1024 / 2048), so swapping the backbone is one dict.
# Losses: source CE main + 0.1 * CE aux (loss_weights = lambda_seg); adversarial 0.0002 (aux) and
#   0.001 (main) with BCE on logits; source label 0, target label 1.
# Input: BGR, Caffe mean subtracted, no std (0..255 scale).
num_classes = 19
aspp = dict(type="ASPPClassifier", num_classes=num_classes, dilations=(6, 12, 18, 24), num_branches=2)
model = dict(
    type="AdaptSegNet",
    segmentor=dict(
        type="MultiLevelSegmentor",
        backbone=dict(
            type="DeepLabV2ResNet",
            depth=101,
            frozen_bn_stats=False,
            pretrained="checkpoints/DeepLab_resnet_pretrained_init-f81d91e8.pth",
        ),
        head=aspp,
        auxiliary_head=aspp,
        loss_weights=(0.1, 1.0),
        ignore_index=255,
        align_corners=True,
    ),
    discriminator=dict(type="FCDiscriminator", in_channels=num_classes, base_channels=64),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    lambda_adv=(0.0002, 0.001),
    source_label=0.0,
    target_label=1.0,
    data_preprocessor=dict(
        type="DomainDataPreprocessor", mean=[104.00698793, 116.66876762, 122.67891434], std=None, bgr_to_rgb=False
    ),
)
