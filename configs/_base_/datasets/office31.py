# Office-31 (Saenko et al., ECCV 2010): 31 classes, domains amazon / dslr / webcam. Default task A -> W.
# Validation = test = the whole target domain (tllib), so choosing a checkpoint by it is oracle
# (test-label) selection: report the last checkpoint beside it. Layout, downloads, commands:
# docs/get_started/classification_benchmarks.md. A task is a 3-line override, e.g. D -> W:
#   train_dataloader = dict(dataset=dict(source=dict(domain="dslr"), target=dict(domain="webcam")))
#   val_dataloader = dict(dataset=dict(domain="webcam"))
#   test_dataloader = dict(dataset=dict(domain="webcam"))
_base_ = ["./image_classification.py"]
data_root = "data/office31"
num_classes = 31
train_dataloader = dict(
    dataset=dict(
        source=dict(type="Office31Dataset", data_root=data_root, domain="amazon"),
        target=dict(type="Office31Dataset", data_root=data_root, domain="webcam"),
    )
)
val_dataloader = dict(dataset=dict(type="Office31Dataset", data_root=data_root, domain="webcam"))
test_dataloader = val_dataloader
