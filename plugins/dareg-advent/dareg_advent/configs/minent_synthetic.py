# MinEnt on dareg's embedded synthetic street scenes: the segmentor, data, segmentor optimizer and
# schedule of configs/demo/adaptseg_synthetic.py, with target entropy minimisation (lambda_ent 0.0002
# aux / 0.001 main) instead of discriminators, hence the replaced (_delete_) model and optimizer dicts.
#   dareg train dareg_advent::minent_synthetic.py
_base_ = ["dareg::demo/adaptseg_synthetic.py"]

model = dict(
    _delete_=True,
    type="MinEnt",
    segmentor={{_base_.model.segmentor}},
    data_preprocessor={{_base_.model.data_preprocessor}},
    entropy_loss=dict(type="EntropyLoss"),
    lambda_ent=(0.0002, 0.001),
)
optim_wrapper = dict(
    _delete_=True,
    constructor="MultiOptimWrapperConstructor",
    segmentor={{_base_.optim_wrapper.segmentor}},
)
param_scheduler = dict(_delete_=True, segmentor={{_base_.param_scheduler.segmentor}})
