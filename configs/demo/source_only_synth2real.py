# Source-only LeNet on the embedded sim-to-real digit pair (font-rendered -> real handwritten, 28x28 grey).
#   python tools/train.py configs/demo/source_only_synth2real.py
# The same network, optimiser and schedule as ADDA's pre-training phase (configs/demo/adda_synth2real.py).
_base_ = [
    "../_base_/datasets/digits_synth2real.py",
    "../_base_/models/lenet_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
train_cfg = dict(max_iters=1000, val_interval=500)
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=500))
