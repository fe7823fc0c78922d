# CycleGAN's schedule: Adam lr 2e-4, betas (0.5, 0.999) for both optimizers; constant learning rate for
# the first half of training, then linear decay to 0 (reference: 100 + 100 epochs at batch 1).
# Set `train_cfg.max_iters` and both schedulers' `constant_steps` / `end` together, in iterations:
# one reference epoch = max(|A|, |B|) iterations at batch size 1.
max_iters = 200000
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generators=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
    discriminators=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
)
param_scheduler = dict(
    generators=dict(type="LinearDecayLR", constant_steps=max_iters // 2, begin=0, end=max_iters, by_epoch=False),
    discriminators=dict(type="LinearDecayLR", constant_steps=max_iters // 2, begin=0, end=max_iters, by_epoch=False),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=max_iters)
# Translation has no validation metric: configs set val_cfg / test_cfg and, on labelled datasets, their
# val/test dataloaders and evaluators to None.
