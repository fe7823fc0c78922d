# ADDA digits schedule: 10k source pre-training iterations, then 10k adaptation iterations, Adam with
# beta1 0.5 for every optimizer (reference: lr 2e-4 for adaptation). Phases switch at
# model.pretrain_iters; every checkpoint (default interval 5000, so one at the boundary) resumes its phase.
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    classifier=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999), weight_decay=2.5e-5)),
    target_encoder=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999), weight_decay=2.5e-5)),
    discriminator=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=20000, val_interval=1000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
