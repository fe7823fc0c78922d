# CyCADA on the embedded digit pair, pixel-level only: the source-only LeNet of
# configs/demo/source_only_digits.py trained on the source training digits translated into the target
# style by the demo stage (b) (configs/demo/cycada_digits.py, then tools/translate.py ... --out
# work_dirs/cycada_digits_translated), with their original labels. Its gain over source-only is what
# the pixel-level stage gives; configs/demo/cycada_digits_stage_c.py adds the feature-level stage.
#   python tools/train.py configs/demo/cycada_digits_translated_source_only.py
_base_ = ["./source_only_digits.py", "../_base_/datasets/digits_embedded_translated_source.py"]
train_dataloader = dict(dataset=dict(source={{_base_.translated_digits_source}}))
# Plain validation: the unsupervised validators' source-validation split would have to be translated too.
val_cfg = dict(_delete_=True, type="ValLoop")
