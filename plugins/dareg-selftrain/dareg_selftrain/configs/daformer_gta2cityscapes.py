# DAFormer on GTA5 -> Cityscapes (Hoyer et al., CVPR 2022), with the reference implementation's values
# (lhoyer/DAFormer, config gta2cs_uda_warm_fdthings_rcs_croppl_a999_daformer_mitb5_s0.py = CFG; file:line in
# /work/shared/METHODS_SELFTRAINING.md section 2). Published: 68.3 mIoU (mean of 3 seeds).
# Network: MiT-B5 from SegFormer's ImageNet mit_b5.pth and the DAFormer head (dareg's
#   _base_/models/daformer_mitb5.py: embeddings of 256, depthwise-separable ASPP fusion with dilations 1, 6,
#   12, 18, dropout 0.1, align_corners=False). Input RGB, ImageNet mean/std.
# Optimisation (dareg's _base_/schedules/adamw_poly_warmup_40k.py): AdamW 6e-5, betas (0.9, 0.999), weight
#   decay 0.01, head 10x, no weight decay on norm / pos_block, linear warm-up over 1500 iterations then poly 1.0,
#   40k iterations, batch 2 source + 2 target (CFG:38-47; adamw.py:4-5; poly10warm.py:7-14).
# Self-training: EMA teacher, alpha 0.999, at the start of each step (dacs.py:104-115); threshold 0.968 and the
#   quality weight q (dacs.py:272-278); pseudo-weights of the top 15 / bottom 120 rows set to 0 (CFG:30-31;
#   dacs.py:280-286); ClassMix over the classes of the whole source batch (dacs_transforms.py:93); jitter 0.2
#   (p 0.8) then blur (p 0.5) on the mixed images (dacs_transforms.py:52-66); lambda_mix 1; ImageNet feature
#   distance 0.005 at the last encoder stage on the thing classes 6, 7, 11-18 (CFG:26-28; dacs.py:164-189).
# Rare Class Sampling: T 0.01, images with more than 3000 pixels of the drawn class, re-crops until the crop
#   holds more than 1500 (CFG:32-36; uda_dataset.py:17-105).
# Data: GTA5 resized to 1280x720, Cityscapes to 1024x512, random 512x512 crops (GTA5's re-drawn up to 10 times
#   while one class covers 75% or more of the crop), horizontal flip 0.5; the student is tested on whole 1024x512
#   Cityscapes val images (uda_gta_to_cityscapes_512x512.py:9-55).
# Deviations from the reference:
# - the target crop has no cat_max_ratio: the reference loads Cityscapes train labels to re-draw target crops in
#   which one class covers 75% or more (uda_gta_to_cityscapes_512x512.py:20-21), so target labels choose which
#   target pixels it trains on; dareg's target stream carries no labels (the source crop keeps the 0.75);
# - the source cross-entropy averages over labelled pixels; DAFormer's averages over all pixels of the crop,
#   ignored ones included (losses/cross_entropy_loss.py:11-34); the pseudo-label loss averages over all pixels;
# - the teacher's and the frozen encoder's copies of the student are taken in the first iteration;
# - mit_b5.pth is loaded strictly except its classifier (the reference: strict=False).
# Needs data/gta5, data/cityscapes and checkpoints/mit_b5.pth (NVlabs/SegFormer README).
#   dareg train dareg_selftrain::daformer_gta2cityscapes.py
_base_ = [
    "dareg::_base_/default_runtime.py",
    "dareg::_base_/datasets/gta2cityscapes.py",
    "dareg::_base_/models/daformer_mitb5.py",
    "dareg::_base_/schedules/adamw_poly_warmup_40k.py",
]

crop_size = 512
model = dict(
    type="DAFormer",
    teacher=dict(alpha=0.999),
    teacher_update="before_step",
    pseudo_labeller=dict(type="PseudoLabeller", threshold=0.968, ignore_top=15, ignore_bottom=120),
    class_mix=dict(type="ClassMix", batch_wide=True),
    strong_augment=dict(
        type="BatchCompose", augments=[dict(type="ColorJitter", strength=0.2, p=0.8), dict(type="GaussianBlur", p=0.5)]
    ),
    lambda_mix=1.0,
    feature_distance=dict(
        type="ImageNetFeatureDistance",
        classes=[6, 7, 11, 12, 13, 14, 15, 16, 17, 18],
        num_classes=19,
        loss_weight=0.005,
        min_ratio=0.75,
    ),
)

train_dataloader = dict(
    batch_size=2,
    sampler=dict(_delete_=True, type="RareClassSampler", temperature=0.01, min_pixels=3000),
    dataset=dict(
        source=dict(
            pipeline=[
                dict(type="LoadImageFromFile"),
                dict(type="LoadIndexedSegMap"),
                dict(type="Resize", scale=(1280, 720), interpolation="bicubic"),
                dict(type="RandomCrop", size=crop_size, cat_max_ratio=0.75, focus_min_pixels=1500),
                dict(type="RandomFlip", prob=0.5),
                dict(type="PackInputs"),
            ]
        ),
        target=dict(
            pipeline=[
                dict(type="LoadImageFromFile", min_size=(1024, 512)),
                dict(type="Resize", scale=(1024, 512), interpolation="area"),
                dict(type="RandomCrop", size=crop_size),
                dict(type="RandomFlip", prob=0.5),
                dict(type="PackInputs"),
            ]
        ),
    ),
)
val_cfg = dict(type="NetworksValLoop")
test_cfg = dict(type="NetworksTestLoop")
