# Embedded demo baseline: the segmentor of configs/demo/adaptseg_synthetic.py trained on the labelled
# synthetic "source" scenes only (same data, optimiser and schedule), evaluated on the "target" ones.
#   python tools/train.py configs/demo/source_only_synthetic.py
_base_ = ["./adaptseg_synthetic.py"]
model = dict(
    _delete_=True,
    type="SourceOnly",
    task_model={{_base_.model.segmentor}},
    data_preprocessor={{_base_.model.data_preprocessor}},
)
optim_wrapper = dict(_delete_=True, constructor="MultiOptimWrapperConstructor", task_model={{_base_.optim_wrapper.segmentor}})
param_scheduler = dict(_delete_=True, task_model={{_base_.param_scheduler.segmentor}})
