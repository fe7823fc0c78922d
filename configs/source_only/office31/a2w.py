# Source-only ResNet-50 on Office-31 A -> W (tllib "ERM"; the other five tasks override the domains of
# this file). Labelled amazon images only (the target half of each batch is ignored); accuracy on webcam.
# tllib reproduces 75.8 on A -> W and 79.5 on average over the six tasks (the paper protocol of
# Long et al. gives 76.1 on average); METHODS.md has the table.
#   python tools/train.py configs/source_only/office31/a2w.py
_base_ = [
    "../../_base_/datasets/office31.py",
    "../../_base_/models/resnet50_source_only.py",
    "../../_base_/schedules/source_only_inv_sgd.py",
    "../../_base_/default_runtime.py",
]
model = dict(task_model=dict(head=dict(num_classes=31)))
