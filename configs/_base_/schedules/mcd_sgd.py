# MCD schedule of the Transfer-Learning-Library: generator (the backbone) SGD lr 0.001, momentum 0,
# weight decay 5e-4; both classifiers SGD lr 0.001, momentum 0.9, weight decay 5e-4; no schedule;
# 500 iterations an "epoch", 20 epochs.
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(optimizer=dict(type="SGD", lr=0.001, momentum=0.0, weight_decay=5e-4)),
    classifiers=dict(optimizer=dict(type="SGD", lr=0.001, momentum=0.9, weight_decay=5e-4)),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=10000, val_interval=500)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
