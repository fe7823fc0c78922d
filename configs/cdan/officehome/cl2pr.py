# CDAN Cl -> Pr: ar2cl.py with the domains changed.
_base_ = ["./ar2cl.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="Clipart"), target=dict(domain="Product")))
val_dataloader = dict(dataset=dict(domain="Product"))
test_dataloader = dict(dataset=dict(domain="Product"))
