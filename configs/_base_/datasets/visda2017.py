# VisDA-2017 classification (Peng et al., 2017): 12 classes, synthetic renderings (image_list/train.txt)
# -> real photos (image_list/validation.txt). The benchmark's metric is the mean of the per-class
# accuracies: Accuracy reports it as `mean_class_accuracy` beside the overall `accuracy`.
# tllib trains VisDA with resize 256 + centre crop 224 (+ flip) instead of the random resized crop
# ("--train-resizing cen.crop"). Validation = test = the real images (oracle selection if used to choose).
# Layout, downloads, commands: docs/get_started/classification_benchmarks.md.
_base_ = ["./image_classification.py"]
data_root = "data/visda2017"
num_classes = 12
visda_train_pipeline = [
    dict(type="LoadImageFromFile", min_size=(256, 256)),
    dict(type="Resize", scale=(256, 256), antialias=True),
    dict(type="CenterCrop", size=224),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PackInputs"),
]
train_dataloader = dict(
    dataset=dict(
        source=dict(type="VisDA2017Dataset", data_root=data_root, domain="synthetic", pipeline=visda_train_pipeline),
        target=dict(type="VisDA2017Dataset", data_root=data_root, domain="real", pipeline=visda_train_pipeline),
    )
)
val_dataloader = dict(dataset=dict(type="VisDA2017Dataset", data_root=data_root, domain="real"))
test_dataloader = val_dataloader
