# MIC (Hoyer et al., CVPR 2023) on top of daformer_synthetic_hedge.py (same network, warm start, data, optimiser,
# schedule and DAFormer settings): the student also predicts the teacher's pseudo-labels of each target image from
# a copy that is freshly jittered (0.2, p 0.8) and blurred (p 0.5), then block-masked (each block hidden with
# probability 0.7), with lambda_masked 1 and its own backward pass.
# Deviations from the reference (configs/mic_daformer_gta2cityscapes.py), beside those of the DAFormer demo:
# - blocks of 4 pixels instead of 32: MIC(DAFormer) uses 32-pixel blocks on 512-pixel crops and halves them at half
#   resolution (experiments.py:449-450); 4 keeps the same share of the image side (1/16) on 64x128 scenes.
#   dareg train dareg_selftrain::source_only_daformer_synthetic_hedge.py
#   dareg train dareg_selftrain::mic_synthetic_hedge.py
_base_ = ["./daformer_synthetic_hedge.py"]

model = dict(
    type="MIC",
    masking=dict(
        type="BatchCompose",
        augments=[
            dict(type="ColorJitter", strength=0.2, p=0.8),
            dict(type="GaussianBlur", p=0.5),
            dict(type="BlockMask", block_size=4, mask_ratio=0.7),
        ],
    ),
    lambda_masked=1.0,
)
