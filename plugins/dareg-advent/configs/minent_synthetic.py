# MinEnt on the embedded synthetic street scenes: source cross-entropy plus the target's mean
# normalised entropy, lambda_ent 0.0002 (aux) / 0.001 (main); runs on a CPU, nothing to download.
#   python tools/train.py plugins/dareg-advent/configs/minent_synthetic.py
_base_ = ["./_base_/segmentor_synthetic.py"]

model = dict(
    type="MinEnt",
    entropy_loss=dict(type="EntropyLoss"),
    lambda_ent=(0.0002, 0.001),
)
