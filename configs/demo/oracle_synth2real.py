# Target oracle for the sim-to-real digit pair: the source-only LeNet and schedule, trained on the
# *labelled* target training split (real handwritten digits) instead of the fonts, evaluated on the same
# target test split. The upper bound that "gap closed" is measured against; it uses target labels.
_base_ = ["./source_only_synth2real.py"]
train_dataloader = dict(
    dataset=dict(source=dict(_delete_=True, type="HandwrittenDigitsDataset", split="train", seed=0, image_size=28,
                             channels=1, pipeline=[dict(type="PackInputs")]))
)
