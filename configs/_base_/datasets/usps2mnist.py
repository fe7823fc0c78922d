# USPS -> MNIST, ADDA's protocol (Tzeng et al. 2017, after Long et al. 2013): configs/_base_/datasets/mnist2usps.py
# with the domains swapped. Source: a fixed random subset of 1,800 USPS training digits; target: a fixed random
# subset of 2,000 MNIST training digits (labels unused for training). Validation/test: the 10,000 MNIST test digits.
# Images: 28x28, 1 channel, uint8 on 0..255, white digit on black, for BOTH domains (USPS's 16x16 is
#   resized bilinearly to 28x28). The model's DomainDataPreprocessor normalises every domain identically.
_base_ = ["./mnist2usps.py"]
train_dataloader = dict(
    dataset=dict(
        source=dict(type="USPSDataset", data_root={{_base_.usps_root}}, subset_size=1800),
        target=dict(type="MNISTDataset", data_root={{_base_.mnist_root}}, subset_size=2000),
    ),
)
val_dataloader = dict(dataset=dict(type="MNISTDataset", data_root={{_base_.mnist_root}}))
test_dataloader = val_dataloader
