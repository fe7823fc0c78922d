# MNIST -> MNIST-M, PixelDA's setting (Bousmalis et al. 2017).
# Source: the 60,000 MNIST training digits made RGB (grey repeated in 3 channels); target: the 59,001
#   MNIST-M training images (labels unused for training). Validation/test: the 9,001 MNIST-M test images.
# Images: 32x32, 3 channels (BGR order, as OpenCV reads them), uint8 on 0..255, for BOTH domains (both
#   resized bilinearly from 28x28). The model's DomainDataPreprocessor normalises every domain
#   identically (PixelDA: [-1, 1]).
# Files (see dareg.datasets.digits): data/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz],
#   data/mnist_m/mnist_m_{train,test}/*.png + mnist_m_{train,test}_labels.txt (the released archive,
#   or tools/dataset_converters/make_mnistm.py).
mnist_root = "data/mnist"
mnistm_root = "data/mnist_m"
digits32_pipeline = [dict(type="Resize", scale=(32, 32), interpolation="bilinear"), dict(type="PackInputs")]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(type="MNISTDataset", data_root=mnist_root, split="train", channels=3, pipeline=digits32_pipeline),
        target=dict(type="MNISTMDataset", data_root=mnistm_root, split="train", pipeline=digits32_pipeline),
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(type="MNISTMDataset", data_root=mnistm_root, split="test", pipeline=digits32_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="Accuracy")
test_evaluator = val_evaluator
