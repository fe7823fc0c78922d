# DANN / CDAN schedule of the Transfer-Learning-Library: SGD lr 0.01, momentum 0.9, weight decay 1e-3,
# Nesterov; backbone at 0.1x (ImageNet-pretrained), bottleneck, head and discriminator at 1x;
# lr = lr0 * (1 + 0.001 i) ^ -0.75 every iteration, per optimizer. 1,000 iterations an "epoch".
sgd = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-3, nesterov=True)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    classifier=dict(optimizer=sgd, paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=0.1)})),
    discriminator=dict(optimizer=sgd),
)
param_scheduler = dict(
    classifier=dict(type="InvLR", gamma=0.001, power=0.75, by_epoch=False),
    discriminator=dict(type="InvLR", gamma=0.001, power=0.75, by_epoch=False),
)
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=20000, val_interval=1000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
