# Office-Home (Venkateswara et al., CVPR 2017): 65 classes, domains Art / Clipart / Product /
# Real_World. Default task Ar -> Cl. Validation = test = the whole target domain (tllib): choosing a
# checkpoint by it is oracle selection. Layout, downloads, commands:
# docs/get_started/classification_benchmarks.md. A task is a 3-line override, e.g. Pr -> Rw:
#   train_dataloader = dict(dataset=dict(source=dict(domain="Product"), target=dict(domain="Real_World")))
#   val_dataloader = dict(dataset=dict(domain="Real_World"))
#   test_dataloader = dict(dataset=dict(domain="Real_World"))
_base_ = ["./image_classification.py"]
data_root = "data/office_home"
num_classes = 65
train_dataloader = dict(
    dataset=dict(
        source=dict(type="OfficeHomeDataset", data_root=data_root, domain="Art"),
        target=dict(type="OfficeHomeDataset", data_root=data_root, domain="Clipart"),
    )
)
val_dataloader = dict(dataset=dict(type="OfficeHomeDataset", data_root=data_root, domain="Clipart"))
test_dataloader = val_dataloader
