# Source-only ResNet-101 on VisDA-2017, synthetic -> real (tllib "ERM": 20 "epochs" of 1,000
# iterations, resize + centre crop for training). Metric: mean per-class accuracy (logged as
# mean_class_accuracy); tllib reports 51.7 mean per-class / 56.9 overall.
#   python tools/train.py configs/source_only/visda2017/synthetic2real.py
_base_ = [
    "../../_base_/datasets/visda2017.py",
    "../../_base_/models/resnet50_source_only.py",
    "../../_base_/schedules/source_only_inv_sgd.py",
    "../../_base_/default_runtime.py",
]
model = dict(
    task_model=dict(
        backbone=dict(model_name="resnet101", checkpoint_path="data/pretrained/resnet101-63fe2227.pth"),
        head=dict(num_classes=12),
    )
)
train_cfg = dict(max_iters=20000, val_interval=1000)
