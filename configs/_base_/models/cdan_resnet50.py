# CDAN (Long et al., NeurIPS 2018) on an ImageNet ResNet-50, the Transfer-Learning-Library setting:
# DANN's network (dann_resnet50.py); the discriminator sees the multilinear map of the 256-d bottleneck
# features and the (detached) class probabilities, 256 * C wide. tllib's published "CDAN" runs without
# entropy conditioning; CDAN+E: model.entropy_conditioning=True (official normalisation with a reversed
# gradient into the entropy; entropy_mode="tllib" for tllib's detached one). For many classes use the
# randomized map: multilinear_map=dict(type="RandomizedMultilinearMap", features_dim=256,
# num_classes=C, output_dim=1024) and discriminator.in_channels=1024 (the random matrices are saved
# with the model). A benchmark config sets num_classes and discriminator.in_channels = 256 * C.
_base_ = ["./dann_resnet50.py"]
model = dict(
    type="CDAN",
    discriminator=dict(in_channels=256 * 31),
    multilinear_map=dict(type="MultilinearMap"),
    entropy_conditioning=False,
    entropy_mode="official",
)
