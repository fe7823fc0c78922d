# AdvEnt on GTA5 -> Cityscapes (Vu et al., CVPR 2019): AdaptSegNet's multi-level output-space scheme
# with the FCDiscriminators reading weighted self-information maps; lambda_adv 0.0002 (aux), 0.001
# (main); source label 0, target label 1, BCE with logits; discriminators Adam 1e-4 (0.9, 0.99),
# poly 0.9 like the segmentor. Published Cityscapes val mIoU: 43.8.
#   python tools/train.py plugins/dareg-advent/configs/advent_gta2cityscapes.py
_base_ = ["./_base_/deeplabv2_gta2cityscapes.py"]

model = dict(
    type="AdvEnt",
    discriminator=dict(type="FCDiscriminator", base_channels=64),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    lambda_adv=(0.0002, 0.001),
    source_label=0.0,
    target_label=1.0,
)

optim_wrapper = dict(discriminators=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))))
param_scheduler = dict(
    discriminators=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=250000, by_epoch=False),
)
