# Source-only ResNet-101 on DomainNet clipart -> painting (tllib "ERM": lr 0.01, 20 "epochs" of 2,500
# iterations; the other eleven tasks between clipart, painting, real and sketch override the domains of
# this file). Validation on the target train split, the reported accuracy on the target test split:
#   python tools/train.py configs/source_only/domainnet/c2p.py
#   python tools/test.py configs/source_only/domainnet/c2p.py work_dirs/c2p/iter_50000.pth
_base_ = [
    "../../_base_/datasets/domainnet.py",
    "../../_base_/models/resnet50_source_only.py",
    "../../_base_/schedules/source_only_inv_sgd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    task_model=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        head=dict(num_classes=345),
    )
)
optim_wrapper = dict(task_model=dict(optimizer=dict(lr=0.01)))
train_cfg = dict(max_iters=50000, val_interval=2500)
