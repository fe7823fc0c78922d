# DomainNet (Peng et al., ICCV 2019): 345 classes, domains clipart / infograph / painting / quickdraw /
# real / sketch, each with a train and a test split. Default task clipart -> painting (tllib's c2p).
# Protocol (tllib): source train + target train splits train; validation on the target TRAIN split,
# test (the reported number) on the target TEST split. 345 per-class accuracies are not logged
# (per_class=False); `mean_class_accuracy` is. Layout, downloads, commands:
# docs/get_started/classification_benchmarks.md. A task is a 3-line override (splits stay), e.g. r -> s:
#   train_dataloader = dict(dataset=dict(source=dict(domain="real"), target=dict(domain="sketch")))
#   val_dataloader = dict(dataset=dict(domain="sketch"))
#   test_dataloader = dict(dataset=dict(domain="sketch"))
_base_ = ["./image_classification.py"]
data_root = "data/domainnet"
num_classes = 345
train_dataloader = dict(
    dataset=dict(
        source=dict(type="DomainNetDataset", data_root=data_root, domain="clipart", split="train"),
        target=dict(type="DomainNetDataset", data_root=data_root, domain="painting", split="train"),
    )
)
val_dataloader = dict(dataset=dict(type="DomainNetDataset", data_root=data_root, domain="painting", split="train"))
test_dataloader = dict(dataset=dict(type="DomainNetDataset", data_root=data_root, domain="painting", split="test"))
val_evaluator = dict(type="Accuracy", per_class=False)
test_evaluator = val_evaluator
