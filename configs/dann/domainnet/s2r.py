# DANN s -> r: c2p.py with the domains changed.
_base_ = ["./c2p.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="sketch"), target=dict(domain="real")))
val_dataloader = dict(dataset=dict(domain="real"))
test_dataloader = dict(dataset=dict(domain="real"))
