# Ablation of combined_synthetic_hedge.py: the same network, warm start, adversary, data, optimisers, schedules and
# forward passes, with DACS's pseudo-label loss on the mixed images weighted 0. What remains is AdaptSegNet's
# iteration (source cross-entropy plus the adversarial loss; a test checks that the two learn exactly the same),
# so the difference between the two runs is what self-training adds to adversarial alignment.
#   dareg train dareg_selftrain::combined_synthetic_hedge_no_selftraining.py
_base_ = ["./combined_synthetic_hedge.py"]

model = dict(lambda_mix=0.0)
