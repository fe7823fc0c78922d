# Adversarial and self-training together on dareg's embedded street scenes with hedges: dacs_synthetic_hedge.py
# (DACS on the AdaptSegNet demo's segmentor, warm-started from source_only_synthetic_hedge.py) plus AdaptSegNet's
# output-space adversary with the settings of dareg's demo/adaptseg_synthetic_hedge.py: one FCDiscriminator (16
# base channels) per output level, BCE with logits, source label 0, target label 1, lambda_adv (0.002, 0.01),
# Adam 1e-4 (0.9, 0.99) with poly decay over the 500 iterations. Each iteration: DACS's source and mixed-image
# losses, AdaptSegNet's adversarial loss of the student's plain-target predictions through the frozen
# discriminators (each backward on its own), one student step, then the discriminators' step on the detached
# source and target predictions; the teacher follows the student by EMA after the step, as in DACS.
# Nothing here is hand-written for the combination: DACS takes adversary=OutputSpaceAdversary (dareg's core part
# that AdaptSegNet is built on). Deviations from the references: those of the two demos it combines. The
# discriminators are not in the source-only checkpoint (strict_load below): they start from random weights, as in
# AdaptSegNet.
#   dareg train dareg_selftrain::source_only_synthetic_hedge.py
#   dareg train dareg_selftrain::combined_synthetic_hedge.py
_base_ = ["./dacs_synthetic_hedge.py"]

model = dict(
    adversary=dict(
        type="OutputSpaceAdversary",
        lambda_adv=(0.002, 0.01),
        discriminator=dict(type="FCDiscriminator", base_channels=16),
        gan_loss=dict(type="GANLoss", mode="vanilla"),
        source_label=0.0,
        target_label=1.0,
    ),
)
optim_wrapper = dict(discriminators=dict(optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))))
param_scheduler = dict(
    discriminators=dict(type="PolyLR", power=0.9, eta_min=0.0, begin=0, end=500, by_epoch=False),
)
default_hooks = dict(strict_load=dict(ignore_missing=["discriminators.*"]))
