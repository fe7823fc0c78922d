# CyCADA's stage (b) on GTA5 -> Cityscapes, as a delta over a CycleGAN config (configs/cyclegan/gta2cityscapes*.py):
# the semantic consistency loss under stage (a)'s frozen DeepLab-v2 f_S. A config takes it with
# `model = {{_base_.cycada_gta2cityscapes}}` (configs/cycada/gta2cityscapes_stage_b_cycada*.py).
# Input: work_dirs/cycada_gta2cityscapes_a/iter_150000.pth (stage (a)); loaded, frozen, kept in eval mode,
# never changed. The generator works on RGB images in [-1, 1]; translations are converted to f_S's Caffe input
# (BGR, mean subtracted) differentiably.
aspp = dict(type="ASPPClassifier", num_classes=19, dilations=(6, 12, 18, 24), num_branches=2)
cycada_gta2cityscapes = dict(
    type="CyCADA",
    # exactly stage (a)'s segmentor (configs/_base_/models/deeplabv2_multilevel.py); weights from the checkpoint
    task_model=dict(
        type="MultiLevelSegmentor",
        backbone=dict(type="DeepLabV2ResNet", depth=101, frozen_bn_stats=False, pretrained=None),
        head=aspp,
        auxiliary_head=aspp,
        loss_weights=(0.1, 1.0),
        ignore_index=255,
        align_corners=True,
    ),
    task_checkpoint="work_dirs/cycada_gta2cityscapes_a/iter_150000.pth",
    task_data_preprocessor=dict(
        type="DomainDataPreprocessor", mean=[104.00698793, 116.66876762, 122.67891434], std=None, bgr_to_rgb=False
    ),
    lambda_semantic=1.0,
)
