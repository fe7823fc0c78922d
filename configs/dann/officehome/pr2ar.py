# DANN Pr -> Ar: ar2cl.py with the domains changed.
_base_ = ["./ar2cl.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="Product"), target=dict(domain="Art")))
val_dataloader = dict(dataset=dict(domain="Art"))
test_dataloader = dict(dataset=dict(domain="Art"))
