# DAFormer's optimisation (/work/shared/METHODS_SELFTRAINING.md section 2), for the SourceOnly model of
# models/daformer_mitb5.py (optimizer key task_model; a self-training method re-keys it to its segmentor).
# AdamW lr 6e-5, betas (0.9, 0.999), weight decay 0.01 (DAFormer schedules/adamw.py:4-5). Parameters whose
#   names contain "head" train at 10x lr; "norm" (every LayerNorm of MiT) and "pos_block" get no weight
#   decay (DAFormer config lines 38-45). As in mmcv 1.x, a name matching several keys takes the longest
#   (ties alphabetically): the head's BatchNorm layers are called "bn" and keep weight decay, as there.
# Schedule (poly10warm.py:7-14): linear warm-up over 1500 iterations from 1e-6 of the rate, poly decay with
#   power 1 to 0 over the whole run, computed as mmcv 1.x does (the decay counts from iteration 0 and the
#   warm-up multiplies it; see WarmupPolyLR for the mmsegmentation-1.x form, which differs by up to 4%).
# 40k iterations, one GPU, no gradient clipping; Cityscapes-val mIoU every 4000 (DAFormer config).
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    task_model=dict(
        optimizer=dict(type="AdamW", lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
        paramwise_cfg=dict(
            custom_keys={
                "head": dict(lr_mult=10.0),
                "pos_block": dict(decay_mult=0.0),
                "norm": dict(decay_mult=0.0),
            }
        ),
    ),
)
param_scheduler = dict(
    task_model=dict(
        type="WarmupPolyLR",
        warmup_iters=1500,
        warmup_ratio=1e-6,
        power=1.0,
        eta_min=0.0,
        begin=0,
        end=40000,
        by_epoch=False,
    )
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=40000, val_interval=4000)
