# MIC(DAFormer) on GTA5 -> Cityscapes (Hoyer et al., CVPR 2023): daformer_gta2cityscapes.py plus the masked image
# consistency loss (lhoyer/MIC; file:line in /work/shared/METHODS_SELFTRAINING.md section 3). Published: 70.6 mIoU
# in the paper (not in any README: unverified); MIC(HRDA) 75.9.
# Masked image: the target crop, a fresh DAFormer jitter (0.2, p 0.8) and blur (p 0.5), then 32x32 blocks each
#   hidden with probability 0.7 (masking_consistency_module.py:111-133; masking_transforms.py:21-41; b = 32 for the
#   512-pixel crops of MIC(DAFormer), experiments.py:444-450). Its target: the EMA teacher's pseudo-labels and
#   weights of the full, unaugmented target crop (alpha 0.999, threshold 0.968, border rows ignored;
#   masking_consistency_module.py:70-78). lambda_masked 1 (MIC config:81), its own backward, one optimizer step.
# Deviations from the reference: those of daformer_gta2cityscapes.py.
# Needs data/gta5, data/cityscapes and checkpoints/mit_b5.pth (NVlabs/SegFormer README).
#   dareg train dareg_selftrain::mic_daformer_gta2cityscapes.py
_base_ = ["./daformer_gta2cityscapes.py"]

model = dict(
    type="MIC",
    masking=dict(
        type="BatchCompose",
        augments=[
            dict(type="ColorJitter", strength=0.2, p=0.8),
            dict(type="GaussianBlur", p=0.5),
            dict(type="BlockMask", block_size=32, mask_ratio=0.7),
        ],
    ),
    lambda_masked=1.0,
)
