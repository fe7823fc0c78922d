# AdaptSegNet, single level: one discriminator on the main (layer4) output, lambda_adv 0.001, no
# auxiliary head (the reference's lambda_seg 0 and lambda_adv1 0). Published: 41.4 mIoU.
_base_ = ["./gta2cityscapes.py"]
model = dict(segmentor=dict(auxiliary_head=None, loss_weights=(1.0,)), lambda_adv=(0.001,))
