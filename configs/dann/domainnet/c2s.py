# DANN c -> s: c2p.py with the domains changed.
_base_ = ["./c2p.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="clipart"), target=dict(domain="sketch")))
val_dataloader = dict(dataset=dict(domain="sketch"))
test_dataloader = dict(dataset=dict(domain="sketch"))
