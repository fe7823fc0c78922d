# MCD D -> A: a2w.py with the domains changed.
_base_ = ["./a2w.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="dslr"), target=dict(domain="amazon")))
val_dataloader = dict(dataset=dict(domain="amazon"))
test_dataloader = dict(dataset=dict(domain="amazon"))
