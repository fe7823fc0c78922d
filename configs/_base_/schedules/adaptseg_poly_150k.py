# AdaptSegNet's optimisation (reference train_gta2cityscapes_multi.py): batch 1 + 1.
# Segmentor: SGD lr 2.5e-4, momentum 0.9, weight decay 5e-4 (the paper's 1e-4 is a typo, confirmed by
#   the authors), heads at 10x lr. Discriminators: Adam lr 1e-4, betas (0.9, 0.99).
# Both: poly decay, power 0.9, over 250,000 iterations; training stops at 150,000.
# Cityscapes-val evaluation every 5,000 iterations; default_runtime.py checkpoints every 5,000 too.
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    segmentor=dict(
        optimizer=dict(type="SGD", lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0)}),
    ),
    discriminators=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))),
)
param_scheduler = dict(
    segmentor=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=250000, by_epoch=False),
    discriminators=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=250000, by_epoch=False),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=150000, val_interval=5000)
