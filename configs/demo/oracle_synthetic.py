# Target oracle for the synthetic street scenes: the segmentor, optimiser and schedule of
# configs/demo/source_only_synthetic.py trained on the *labelled* target ("real-like") training scenes
# instead of the source ones, evaluated on the same target val scenes (uses target labels: the upper bound).
_base_ = ["./source_only_synthetic.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="target")))
