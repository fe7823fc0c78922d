# Ablation of mic_synthetic_hedge.py: the same network, warm start, data, optimiser, schedule, feature distance
# and forward passes (teacher, mixed and masked images), with both pseudo-label losses (mixed and masked images)
# weighted 0, so the student learns from the source images only. The difference between the two runs is what
# self-training adds.
#   dareg train dareg_selftrain::mic_synthetic_hedge_no_selftraining.py
_base_ = ["./mic_synthetic_hedge.py"]

model = dict(lambda_mix=0.0, lambda_masked=0.0)
