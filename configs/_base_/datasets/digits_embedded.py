# Embedded digit pair, LeNet setting (ADDA / source-only): nothing to download.
# Source: scikit-learn's 1,797 real handwritten digits (8x8) upscaled MNIST-style (20x20 box centred
#   in 28x28, white on black). Target: the other digits difference-blended over random patches of
#   scikit-learn's two sample photos, MNIST-M-style, then made grey. Disjoint, class-stratified
#   splits under `seed`: source train 719 / source test 179, target train 449 / target test 450.
# Images: 28x28, 1 channel, uint8 on 0..255 for BOTH domains. The model's DomainDataPreprocessor
#   normalises every domain identically (e.g. mean=[127.5], std=[127.5] -> [-1, 1]).
# Validation and test: the labelled target test split, top-1 accuracy (and per class) in percent.
embedded_digits = dict(type="EmbeddedDigitsDataset", image_size=28, channels=1, seed=0)
digits_pipeline = [dict(type="PackInputs")]

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(**embedded_digits, domain="source", split="train", pipeline=digits_pipeline),
        target=dict(**embedded_digits, domain="target", split="train", pipeline=digits_pipeline),
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(**embedded_digits, domain="target", split="test", pipeline=digits_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="Accuracy")
test_evaluator = val_evaluator
