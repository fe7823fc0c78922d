# Ablation of daformer_synthetic_hedge.py: the same network, warm start, data, optimiser, schedule, feature
# distance and forward passes (teacher, ClassMix, jitter, blur), with the pseudo-label loss on the mixed images
# weighted 0, so the student learns from the source images only. The difference between the two runs is what
# self-training adds.
#   dareg train dareg_selftrain::daformer_synthetic_hedge_no_selftraining.py
_base_ = ["./daformer_synthetic_hedge.py"]

model = dict(lambda_mix=0.0)
