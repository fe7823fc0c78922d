# DAFormer's network sized for two CPU cores: MiT-B0 (widths 32/64/160/256, depths 2/2/2/2) and a DAFormer
# head of width 64 instead of 256, everything else as daformer_mitb5.py (stochastic depth 0.1, separable
# ASPP fusion with dilations 6/12/18, Dropout2d 0.1, align_corners=False). No published DAFormer number
# uses B0 (DAFormer #47). Random initialisation, as the embedded demos; SegFormer's mit_b0.pth (from the
# NVlabs/SegFormer README) loads through model.task_model.backbone.checkpoint_path.
# Cost of one 64x128 image, forward (torch.utils.flop_counter): encoder 137 MFLOP; head 230 MFLOP at width
# 64, 896 at 128 and 3536 at 256 (26 times the encoder). A training step of batch 4 took 0.36-0.66 s at
# width 64 and 2.1-3.6 s at 256 on one thread of a shared, loaded 2-core machine.
_base_ = ["./daformer_mitb5.py"]
model = dict(
    task_model=dict(
        backbone=dict(arch="mit_b0", checkpoint_path=None),
        head=dict(embed_dims=64, channels=64),
    )
)
