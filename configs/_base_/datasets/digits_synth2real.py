# Embedded sim-to-real digit pair, LeNet setting: nothing to download (dareg/datasets/digits/fonts.py).
# Source: 10,000 digits rendered with OpenCV's eight Hershey fonts (italic or not, random thickness,
#   scale, rotation, stretch and shift), framed MNIST-style at 28x28, white on black; deterministic
#   under `seed`. Target: scikit-learn's 1,797 real handwritten digits framed the same way, split per
#   class into disjoint train (1,078, unlabelled during adaptation) and test (719) parts.
# Images: 28x28, 1 channel, uint8 on 0..255 for BOTH domains, normalised identically by the model's
#   DomainDataPreprocessor. Validation and test: the labelled target test split, top-1 accuracy.
font_digits = dict(type="FontDigitsDataset", num_samples=10000, seed=0, image_size=28, channels=1)
handwritten_digits = dict(type="HandwrittenDigitsDataset", seed=0, image_size=28, channels=1)
digits_pipeline = [dict(type="PackInputs")]

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(**font_digits, pipeline=digits_pipeline),
        target=dict(**handwritten_digits, split="train", pipeline=digits_pipeline),
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(**handwritten_digits, split="test", pipeline=digits_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="Accuracy")
test_evaluator = val_evaluator
