# Source-only ("ERM") schedule of the Transfer-Learning-Library (examples/.../erm.py): SGD lr 0.001,
# momentum 0.9, weight decay 5e-4, Nesterov; the ImageNet backbone at 0.1x, the new head at 1x;
# lr = lr0 * (1 + 0.0003 i) ^ -0.75 every iteration. tllib's Office-31 / Office-Home runs: 5 "epochs" of
# 500 iterations, validating after each; VisDA and DomainNet configs lengthen the loop.
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    task_model=dict(
        optimizer=dict(type="SGD", lr=0.001, momentum=0.9, weight_decay=5e-4, nesterov=True),
        paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=0.1)}),
    ),
)
param_scheduler = dict(task_model=dict(type="InvLR", gamma=0.0003, power=0.75, by_epoch=False))
train_cfg = dict(type="ResumableIterBasedTrainLoop", max_iters=2500, val_interval=500)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
