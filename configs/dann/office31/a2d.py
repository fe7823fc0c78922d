# DANN A -> D: a2w.py with the domains changed.
_base_ = ["./a2w.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="amazon"), target=dict(domain="dslr")))
val_dataloader = dict(dataset=dict(domain="dslr"))
test_dataloader = dict(dataset=dict(domain="dslr"))
