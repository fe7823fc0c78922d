# AdvEnt on the embedded synthetic street scenes: discriminators on self-information maps, lambda_adv
# 0.0002 (aux) / 0.001 (main), source label 0, target label 1; runs on a CPU, nothing to download.
#   python tools/train.py plugins/dareg-advent/configs/advent_synthetic.py
_base_ = ["./_base_/segmentor_synthetic.py"]

model = dict(
    type="AdvEnt",
    discriminator=dict(type="FCDiscriminator", base_channels=64),
    gan_loss=dict(type="GANLoss", mode="vanilla"),
    lambda_adv=(0.0002, 0.001),
)

optim_wrapper = dict(discriminators=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))))
param_scheduler = dict(
    discriminators=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=2000, by_epoch=False),
)
