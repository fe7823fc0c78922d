# CDAN+E (entropy conditioning) on the embedded sim-to-real digit pair (font-rendered -> real handwritten,
# 28x28 grey), LeNet from scratch, batch 128 per domain, tllib's SGD + inv schedule; the discriminator sees
# the 2,560-d multilinear map (256 features x 10 classes), samples weighted by 1 + exp(-entropy) (official
# normalisation). Plain CDAN: configs/demo/cdan_synth2real.py; tllib's normalisation: --cfg-options
# model.entropy_mode=tllib
#   python tools/train.py configs/demo/cdan_e_synth2real.py
_base_ = [
    "../_base_/datasets/digits_synth2real.py",
    "../_base_/models/cdan_lenet.py",
    "../_base_/schedules/inv_sgd_adversarial.py",
    "../_base_/default_runtime.py",
]
model = dict(entropy_conditioning=True)
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(classifier=dict(paramwise_cfg=dict(custom_keys={"backbone": dict(lr_mult=1.0)})))
train_cfg = dict(max_iters=1500, val_interval=300)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=1500))
