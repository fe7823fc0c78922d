# DAFormer's network sized for two CPU cores: MiT-B0 (widths 32/64/160/256, depths 2/2/2/2) and a DAFormer
# head of width 64 instead of 256, everything else as daformer_mitb5.py (stochastic depth 0.1, separable
# ASPP fusion with dilations 6/12/18, Dropout2d 0.1, align_corners=False). No published DAFormer number
# uses B0 (DAFormer #47). Random initialisation, as the embedded demos; SegFormer's mit_b0.pth (from the
# NVlabs/SegFormer README) loads through model.task_model.backbone.checkpoint_path.
# Cost (batch 4 at 64x128, one thread, forward + backward): about 0.36 s per step with width 64, 0.73 s
# with 128 and 2.5 s with 256, measured on a shared 2-core machine; the head at width 256 costs ten times
# the encoder at this size.
_base_ = ["./daformer_mitb5.py"]
model = dict(
    task_model=dict(
        backbone=dict(arch="mit_b0", checkpoint_path=None),
        head=dict(embed_dims=64, channels=64),
    )
)
