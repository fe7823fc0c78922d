# MCD p -> c: c2p.py with the domains changed.
_base_ = ["./c2p.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="painting"), target=dict(domain="clipart")))
val_dataloader = dict(dataset=dict(domain="clipart"))
test_dataloader = dict(dataset=dict(domain="clipart"))
