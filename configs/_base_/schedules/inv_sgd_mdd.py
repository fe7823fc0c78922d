# MDD schedule (official code / tllib): SGD lr 0.004, momentum 0.9, weight decay 5e-4, Nesterov;
# backbone at 0.1x, bottleneck and both heads at 1x; lr = lr0 * (1 + 0.0002 i) ^ -0.75 per iteration.
sgd = dict(type="SGD", lr=0.004, momentum=0.9, weight_decay=5e-4, nesterov=True)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    classifier=dict(optimizer=sgd, paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=0.1)})),
    adversarial_head=dict(optimizer=sgd),
)
param_scheduler = dict(
    classifier=dict(type="InvLR", gamma=0.0002, power=0.75, by_epoch=False),
    adversarial_head=dict(type="InvLR", gamma=0.0002, power=0.75, by_epoch=False),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=20000, val_interval=1000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
