# SVHN -> MNIST, ADDA's setting (Tzeng et al. 2017): the full training sets.
# Source: the 73,257 SVHN training digits, converted to grey and resized to 28x28 as ADDA feeds LeNet;
#   target: the 60,000 MNIST training digits (labels unused for training).
#   Validation/test: the 10,000 MNIST test digits.
# Images: 28x28, 1 channel, uint8 on 0..255 for BOTH domains. The model's DomainDataPreprocessor
#   normalises every domain identically.
# Files (see dareg.datasets.digits): data/svhn/{train,test}_32x32.mat,
#   data/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
mnist_root = "data/mnist"
svhn_root = "data/svhn"
digits28_pipeline = [dict(type="Resize", scale=(28, 28), interpolation="bilinear"), dict(type="PackInputs")]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(type="SVHNDataset", data_root=svhn_root, split="train", channels=1, pipeline=digits28_pipeline),
        target=dict(type="MNISTDataset", data_root=mnist_root, split="train", pipeline=digits28_pipeline),
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(type="MNISTDataset", data_root=mnist_root, split="test", pipeline=digits28_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="Accuracy")
test_evaluator = val_evaluator
