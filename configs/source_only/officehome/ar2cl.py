# Source-only ResNet-50 on Office-Home Ar -> Cl (tllib "ERM"; the other eleven tasks override the
# domains of this file). tllib: 5 "epochs" of 500 iterations; 58.4 on average over the twelve tasks
# (paper protocol 46.1).
#   python tools/train.py configs/source_only/officehome/ar2cl.py
_base_ = [
    "../../_base_/datasets/officehome.py",
    "../../_base_/models/resnet50_source_only.py",
    "../../_base_/schedules/source_only_inv_sgd.py",
    "../../_base_/default_runtime.py",
]
model = dict(task_model=dict(head=dict(num_classes=65)))
