# DACS on GTA5 -> Cityscapes (Tranheden et al., WACV 2021), with the reference implementation's values
# (vikolss/DACS; file:line in /work/shared/METHODS_SELFTRAINING.md section 1). Published: 52.1 mIoU.
# Network: single-level DeepLab-v2 ResNet-101 (model/deeplabv2.py:228-230), BN affine frozen
#   (deeplabv2.py:66-78), ASPP classifier summing only its dilation-6 and -12 branches: the reference declares
#   [6, 12, 18, 24] but returns inside its loop after the second (L117-121), hence num_branches=2.
#   Input BGR, mean subtracted, no std (trainUDA.py:598). Logits upsampled with align_corners=True.
# Self-training: teacher = EMA of the student, alpha_t = min(1 - 1/(t+1), 0.99), updated after every optimizer
#   step, parameters only (trainUDA.py:111-121, 509-511); pseudo-labels from the teacher on the plain target
#   crops, weighted by q = share of pixels with confidence >= 0.968 (L466-479); ClassMix per image, half of the
#   source classes, 255 included (L426-464); colour jitter 0.25 (p 0.8), then blur (p 0.5) on the mixed images
#   (L124-130; transformsgpu.py:7-30), no flip; L = L_src + 1 * L_mix (configUDA.json:26; utils/loss.py:35-43).
# Optimisation: SGD lr 2.5e-4, momentum 0.9, weight decay 5e-4, classifier 10x, poly 0.9, 250k iterations,
#   batch 2 source + 2 target (configUDA.json:6-20; trainUDA.py:80-87).
# Data: GTA5 resized to 1280x720 and Cityscapes to 1024x512, random 512x512 crops (trainUDA.py:322;
#   data/augmentations.py:167-180, 214-220); the student is evaluated (trainUDA.py:541) on Cityscapes val at
#   1024x512.
# Deviations from the reference:
# - initialisation: the reference loads COCO-pretrained DeepLab weights from a URL that is dead (trainUDA.py:594-
#   595, DACS #15); this config names the ImageNet+COCO DeepLab checkpoint of dareg's DeepLab-v2 base (the
#   AdaptSegNet release), the closest available file (whether it is the same file is unverified);
# - predictions are scored against full-resolution (2048x1024) labels, dareg's GTA5 -> Cityscapes protocol;
#   whether DACS's evaluation downsizes the labels to 1024x512 is unverified;
# - L_src and L_mix are back-propagated one after the other (same gradients up to rounding), and the teacher's
#   copy of the initial student is taken in the first iteration (after load_from), not at construction;
# - random crops are drawn by dareg's RandomCrop (uniform window), the reference's by its own augmentations.
# Needs data/gta5, data/cityscapes and checkpoints/DeepLab_resnet_pretrained_init-f81d91e8.pth.
#   dareg train dareg_selftrain::dacs_gta2cityscapes.py
_base_ = [
    "dareg::_base_/default_runtime.py",
    "dareg::_base_/datasets/gta2cityscapes.py",
    "dareg::_base_/models/deeplabv2_multilevel.py",
]

crop_size = 512
max_iters = 250000
model = dict(
    _delete_=True,
    type="DACS",
    task_model=dict(
        type="MultiLevelSegmentor",
        backbone={{_base_.model.segmentor.backbone}},
        head=dict(type="ASPPClassifier", num_classes=19, dilations=(6, 12, 18, 24), num_branches=2),
        auxiliary_head=None,
        loss_weights=1.0,
        ignore_index=255,
        align_corners=True,
    ),
    data_preprocessor={{_base_.model.data_preprocessor}},
    teacher=dict(alpha=0.99),
    teacher_update="after_step",
    pseudo_labeller=dict(type="PseudoLabeller", threshold=0.968),
    class_mix=dict(type="ClassMix"),
    strong_augment=dict(
        type="BatchCompose", augments=[dict(type="ColorJitter", strength=0.25, p=0.8), dict(type="GaussianBlur", p=0.5)]
    ),
    lambda_mix=1.0,
)

train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        source=dict(
            pipeline=[
                dict(type="LoadImageFromFile"),
                dict(type="LoadIndexedSegMap"),
                dict(type="Resize", scale=(1280, 720), interpolation="bicubic"),
                dict(type="RandomCrop", size=crop_size),
                dict(type="PackInputs"),
            ]
        ),
        target=dict(
            pipeline=[
                dict(type="LoadImageFromFile", min_size=(1024, 512)),
                dict(type="Resize", scale=(1024, 512), interpolation="area"),
                dict(type="RandomCrop", size=crop_size),
                dict(type="PackInputs"),
            ]
        ),
    ),
)

optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    task_model=dict(
        optimizer=dict(type="SGD", lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)}),
    ),
)
param_scheduler = dict(
    task_model=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=max_iters, by_epoch=False),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters, val_interval=5000)
val_cfg = dict(type="NetworksValLoop")
test_cfg = dict(type="NetworksTestLoop")
