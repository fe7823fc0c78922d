# ADDA (Tzeng et al., CVPR 2017), svhn -> mnist, LeNet encoder, 28x28 grey digits. Published: 76.0 (source-only 60.1).
# One run, two phases: iterations [0, 10000) pre-train the source LeNet on source labels, iterations
# [10000, 20000) adapt the target encoder (initialised from the source encoder) against the
# discriminator. Adam lr 2e-4, beta1 0.5, batch 128.
#   python tools/train.py configs/adda/svhn2mnist.py
#   python tools/train.py configs/adda/svhn2mnist.py --resume     (continues in whichever phase it stopped)
# One stage at a time: stage 1 alone is --cfg-options train_cfg.max_iters=10000; stage 2 then continues
# from its last checkpoint with --resume (the target encoder is copied from the source encoder once,
# at iteration 10000, and never again on later resumes).
# The TF reference feeds the 10-d logits to the discriminator:
#   --cfg-options model.adapt_on=logits model.discriminator.in_channels=10
_base_ = [
    "../_base_/datasets/svhn2mnist.py",
    "../_base_/models/adda_lenet.py",
    "../_base_/schedules/adda_digits.py",
    "../_base_/default_runtime.py",
]
model = dict(pretrain_iters=10000)
train_cfg = dict(max_iters=20000, val_interval=1000)
