# MinEnt on GTA5 -> Cityscapes (Vu et al., CVPR 2019): source cross-entropy plus the mean normalised
# entropy of target predictions, lambda_ent 0.0002 (aux) / 0.001 (main), with the same segmentor,
# data and segmentor optimizer as AdvEnt; no discriminator, so the model, optimizer and scheduler
# dicts are replaced (_delete_) and keep the inherited segmentor parts.
# Published Cityscapes val mIoU: 42.3 (45.5 when its predictions are averaged with an AdvEnt model's).
# Needs data/gta5, data/cityscapes and checkpoints/DeepLab_resnet_pretrained_imagenet.pth.
#   dareg train dareg_advent::minent_gta2cityscapes.py
_base_ = ["./_base_/advent_gta2cityscapes_reference.py"]

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
