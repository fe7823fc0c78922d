# MinEnt on GTA5 -> Cityscapes (Vu et al., CVPR 2019): source cross-entropy plus the mean normalised
# entropy of target predictions, lambda_ent 0.0002 (aux), 0.001 (main); no discriminator.
# Published Cityscapes val mIoU: 42.3 (45.5 when its predictions are averaged with an AdvEnt model's).
#   python tools/train.py plugins/dareg-advent/configs/minent_gta2cityscapes.py
_base_ = ["./_base_/deeplabv2_gta2cityscapes.py"]

model = dict(
    type="MinEnt",
    entropy_loss=dict(type="EntropyLoss"),
    lambda_ent=(0.0002, 0.001),
)
