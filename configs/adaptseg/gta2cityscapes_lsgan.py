# AdaptSegNet with the LS-GAN objective (MSE on discriminator logits), single level, lambda_adv 0.01:
# the reference repository's variant, reported at 44.1 mIoU.
_base_ = ["./gta2cityscapes_single_level.py"]
model = dict(gan_loss=dict(type="GANLoss", mode="lsgan"), lambda_adv=(0.01,))
