# CyCADA stage (c) on the embedded digit pair: ADDA (the demo's 600 + 900 iterations) whose source is the
# source training digits translated into the target style by the demo stage (b) (configs/demo/cycada_digits.py,
# then tools/translate.py ... --out work_dirs/cycada_digits_translated), with their original labels.
# Evaluated on the target test split; compare with configs/demo/adda_digits.py on untranslated digits.
#   python tools/train.py configs/demo/cycada_digits_stage_c.py
_base_ = ["./adda_digits.py"]
train_dataloader = dict(
    dataset=dict(
        source=dict(
            _delete_=True,
            type="TranslatedImageDataset",
            dataset=dict(type="EmbeddedDigitsDataset", image_size=28, channels=1, seed=0, domain="source",
                         split="train"),
            img_root="work_dirs/cycada_digits_translated",
            pipeline=[dict(type="LoadImageFromFile", color_type="grayscale"), dict(type="PackInputs")],
        ),
    ),
)
