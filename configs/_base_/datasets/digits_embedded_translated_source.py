# The embedded digit pair's source training digits as translated into the target style by the demo CyCADA
# stage (b) (configs/demo/cycada_digits.py, then tools/translate.py ... --out work_dirs/cycada_digits_translated),
# with their original labels: 28x28 grey PNGs, one per source training image. A variable, not a dataloader,
# so that configs of any schedule (source-only, ADDA) put it in place of their source dataset.
translated_digits_source = dict(
    _delete_=True,
    type="TranslatedImageDataset",
    dataset=dict(type="EmbeddedDigitsDataset", image_size=28, channels=1, seed=0, domain="source", split="train"),
    img_root="work_dirs/cycada_digits_translated",
    pipeline=[dict(type="LoadImageFromFile", color_type="grayscale"), dict(type="PackInputs")],
)
