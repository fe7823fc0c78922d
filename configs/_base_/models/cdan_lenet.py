# CDAN (Long et al., NeurIPS 2018) with the LeNet encoder, 28x28 grey digits: DANN's classifier
# (configs/_base_/models/dann_lenet.py); the discriminator sees the multilinear map of the 256-d
# bottleneck features and the 10 class probabilities (2,560-d). CDAN+E: model.entropy_conditioning=True
# (official normalisation; entropy_mode="tllib" for tllib's). Randomized map (official digits: 500-d):
#   model.multilinear_map=dict(type="RandomizedMultilinearMap", features_dim=256, num_classes=10,
#   output_dim=500) and model.discriminator.in_channels=500.
_base_ = ["./dann_lenet.py"]
model = dict(
    type="CDAN",
    discriminator=dict(in_channels=256 * 10),
    multilinear_map=dict(type="MultilinearMap"),
    entropy_conditioning=False,
    entropy_mode="official",
)
