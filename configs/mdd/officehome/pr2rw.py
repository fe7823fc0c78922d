# MDD Pr -> Rw: ar2cl.py with the domains changed.
_base_ = ["./ar2cl.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="Product"), target=dict(domain="Real_World")))
val_dataloader = dict(dataset=dict(domain="Real_World"))
test_dataloader = dict(dataset=dict(domain="Real_World"))
