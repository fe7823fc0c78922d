# Source-only digits schedule: Adam, lr 2e-4, beta1 0.5 (as ADDA's optimisers), 10k iterations.
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    task_model=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999), weight_decay=2.5e-5)),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=10000, val_interval=1000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
