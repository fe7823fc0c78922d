# MNIST -> USPS, ADDA's protocol (Tzeng et al. 2017, after Long et al. 2013).
# Source: a fixed random subset of 2,000 MNIST training digits; target: a fixed random subset of
#   1,800 USPS training digits (labels unused for training). Validation/test: the 2,007 USPS test digits.
# Images: 28x28, 1 channel, uint8 on 0..255, white digit on black, for BOTH domains (USPS's 16x16 is
#   resized bilinearly to 28x28). The model's DomainDataPreprocessor normalises every domain identically.
# Files (see dareg.datasets.digits): data/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz],
#   data/usps/zip.{train,test}[.gz] or data/usps/usps.h5.
mnist_root = "data/mnist"
usps_root = "data/usps"
digits28_pipeline = [dict(type="Resize", scale=(28, 28), interpolation="bilinear"), dict(type="PackInputs")]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(
            type="MNISTDataset", data_root=mnist_root, split="train", subset_size=2000, pipeline=digits28_pipeline
        ),
        target=dict(
            type="USPSDataset", data_root=usps_root, split="train", subset_size=1800, pipeline=digits28_pipeline
        ),
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(type="USPSDataset", data_root=usps_root, split="test", pipeline=digits28_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="Accuracy")
test_evaluator = val_evaluator
