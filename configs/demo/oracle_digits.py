# Target oracle for the photo-blend digit pair (28x28 grey): the source-only LeNet and schedule of
# configs/demo/source_only_digits.py trained on the *labelled* target training split (photo-blended
# digits) instead of the source digits, evaluated on the same target test split. It uses target labels:
# it is the upper bound that "gap closed" is measured against, not an adaptation method.
_base_ = ["./source_only_digits.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="target")))
