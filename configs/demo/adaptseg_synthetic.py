# Embedded demo: AdaptSegNet (multi-level output-space adaptation) on synthetic street scenes,
# "source" (game-like) -> "target" (real-like), 8 classes at 64x128, no download.
#   python tools/train.py configs/demo/adaptseg_synthetic.py
# --compile does not pay off on a CPU: steps 13-43% longer compiled (docs/results/compile.md); leave it off.
# About 2-3 minutes on 2 CPU cores, evaluating target-val mIoU at iterations 250 and 500.
# Compare with configs/demo/source_only_synthetic.py (same network, data and schedule) and
# configs/demo/oracle_synthetic.py (trained on labelled target scenes); numbers over 3 seeds, with the
# lambda_adv ablation, are in docs/results/embedded_benchmarks.md.
# Differences from the GTA5 -> Cityscapes recipe, for a CPU-sized run from random initialisation:
# a timm ResNet-18 with GroupNorm (32 groups) at output stride 8 (layer2 -> auxiliary head, dilated
# layer3 -> main head; no layer4), ImageNet-style input normalisation, batch 4 + 4, SGD lr 0.01
# (heads 10x) with poly decay over 500 iterations, Adam 1e-4 (0.9, 0.99) for narrower discriminators
# (16 base channels), and lambda_adv (0.002, 0.01), ten times the reference's, because the run is
# 300x shorter (at the reference's weights the adversarial terms hardly move target mIoU in 500
# iterations, see docs/results/adaptseg_demo.md). lambda_seg (0.1) and the labels are the reference's.
_base_ = ["../_base_/default_runtime.py", "../_base_/datasets/synthetic_streets.py"]

num_classes = 8
aspp = dict(type="ASPPClassifier", num_classes=num_classes, dilations=(6, 12, 18, 24), num_branches=2)
model = dict(
    type="AdaptSegNet",
    segmentor=dict(
        type="MultiLevelSegmentor",
        # GroupNorm instead of BatchNorm: no running statistics, so target images passing through the segmentor
        # in train mode cannot shift the normalisation used at test time, and the lambda_adv ablation isolates
        # the adversarial effect (with BatchNorm that shift alone gave most of AdaptSegNet's gain on this pair).
        backbone=dict(
            type="TimmBackbone",
            model_name="resnet18",
            pretrained=False,
            out_indices=(2, 3),
            output_stride=8,
            norm_layer="groupnorm",
        ),
        head=aspp,
        auxiliary_head=aspp,
        loss_weights=(0.1, 1.0),
    ),
    discriminator=dict(type="FCDiscriminator", in_channels=num_classes, base_channels=16),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    lambda_adv=(0.002, 0.01),
    source_label=0.0,
    target_label=1.0,
    data_preprocessor=dict(
        type="DomainDataPreprocessor", mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True
    ),
)

max_iters = 500
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    segmentor=dict(
        optimizer=dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)}),
    ),
    discriminators=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))),
)
param_scheduler = dict(
    segmentor=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=max_iters, by_epoch=False),
    discriminators=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=max_iters, by_epoch=False),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters, val_interval=250)
default_hooks = dict(
    logger=dict(type="LoggerHook", interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type="CheckpointHook", by_epoch=False, interval=max_iters, max_keep_ckpts=1),
)
