# MCD's official digits schedule: Adam lr 2e-4, weight decay 5e-4 for the generator and both
# classifiers, batch 128, no schedule.
adam = dict(type="Adam", lr=2e-4, weight_decay=5e-4)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(optimizer=adam),
    classifiers=dict(optimizer=adam),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=20000, val_interval=1000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
