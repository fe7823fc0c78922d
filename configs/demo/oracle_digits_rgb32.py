# Target oracle for the photo-blend digit pair (32x32 colour, PixelDA's setting): the task classifier,
# optimiser and schedule of configs/demo/source_only_digits_rgb32.py trained on the *labelled* target
# training split, evaluated on the same target test split (uses target labels: the upper bound).
_base_ = ["./source_only_digits_rgb32.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="target")))
