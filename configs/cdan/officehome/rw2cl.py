# CDAN Rw -> Cl: ar2cl.py with the domains changed.
_base_ = ["./ar2cl.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="Real_World"), target=dict(domain="Clipart")))
val_dataloader = dict(dataset=dict(domain="Clipart"))
test_dataloader = dict(dataset=dict(domain="Clipart"))
