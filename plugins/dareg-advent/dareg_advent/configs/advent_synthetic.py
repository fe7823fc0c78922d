# AdvEnt on dareg's embedded synthetic street scenes: configs/demo/adaptseg_synthetic.py (the same
# segmentor, data, schedule, lambda_adv 0.0002 / 0.001 and labels) with the discriminators reading
# weighted self-information maps instead of softmax maps, so the two demos differ only there.
# Runs on a CPU in minutes, nothing to download; numbers, when measured, are in dareg's docs/results/.
#   dareg train dareg_advent::advent_synthetic.py
_base_ = ["dareg::demo/adaptseg_synthetic.py"]

model = dict(type="AdvEnt")
