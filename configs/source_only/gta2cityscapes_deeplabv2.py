# Source-only baseline for AdaptSegNet: the same multi-level DeepLab-v2 ResNet-101, trained on GTA5
# only with the same optimiser and schedule, evaluated on Cityscapes val. Published: 36.6 mIoU.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/gta2cityscapes.py",
    "../_base_/models/deeplabv2_multilevel.py",
    "../_base_/schedules/adaptseg_poly_150k.py",
]
model = dict(
    _delete_=True,
    type="SourceOnly",
    task_model={{_base_.model.segmentor}},
    data_preprocessor={{_base_.model.data_preprocessor}},
)
optim_wrapper = dict(_delete_=True, constructor="MultiOptimWrapperConstructor", task_model={{_base_.optim_wrapper.segmentor}})
param_scheduler = dict(_delete_=True, task_model={{_base_.param_scheduler.segmentor}})
