# ADDA on the embedded sim-to-real digit pair (font-rendered -> real handwritten, 28x28 grey), both phases
# in one run: iterations [0, 1000) pre-train the source LeNet exactly as configs/demo/source_only_synth2real.py
# does (same seed: bit-identical), iterations [1000, 4000) adapt (reference values: Adam 2e-4, beta1 0.5,
# discriminator 500-500-500-2 on the 500-d features, batch 128 per domain, inverted-label GAN loss).
#   python tools/train.py configs/demo/adda_synth2real.py
# --compile pays off on a CPU: adaptation steps 18-23% shorter, fp32 or --amp, after 15 s of compilation
# (docs/results/compile.md).
_base_ = [
    "../_base_/datasets/digits_synth2real.py",
    "../_base_/models/adda_lenet.py",
    "../_base_/schedules/adda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(pretrain_iters=1000)
train_cfg = dict(max_iters=4000, val_interval=500)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=500))
