# AdvEnt on GTA5 -> Cityscapes (Vu et al., CVPR 2019): AdaptSegNet's multi-level scheme with the
# FCDiscriminators reading weighted self-information maps instead of softmax maps. Everything else is
# inherited: lambda_adv 0.0002 (aux) / 0.001 (main), source label 0, target label 1, BCE with logits,
# discriminators Adam 1e-4 (0.9, 0.99) with poly decay. Published Cityscapes val mIoU: 43.8.
# Needs data/gta5, data/cityscapes and checkpoints/DeepLab_resnet_pretrained_imagenet.pth.
#   dareg train dareg_advent::advent_gta2cityscapes.py
_base_ = ["./_base_/advent_gta2cityscapes_reference.py"]

model = dict(type="AdvEnt")
