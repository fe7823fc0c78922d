# MCD D -> W: a2w.py with the domains changed.
_base_ = ["./a2w.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="dslr"), target=dict(domain="webcam")))
val_dataloader = dict(dataset=dict(domain="webcam"))
test_dataloader = dict(dataset=dict(domain="webcam"))
