# CyCADA stage (c) on the embedded digit pair: ADDA (the demo's 600 + 900 iterations) whose source is the
# source training digits translated into the target style by the demo stage (b) (configs/demo/cycada_digits.py,
# then tools/translate.py ... --out work_dirs/cycada_digits_translated), with their original labels.
# Evaluated on the target test split; compare with configs/demo/adda_digits.py on untranslated digits and
# configs/demo/cycada_digits_translated_source_only.py (the same translated digits, no feature-level stage).
#   python tools/train.py configs/demo/cycada_digits_stage_c.py
_base_ = ["./adda_digits.py", "../_base_/datasets/digits_embedded_translated_source.py"]
train_dataloader = dict(dataset=dict(source={{_base_.translated_digits_source}}))
# Plain validation: the unsupervised validators' source-validation split would have to be translated too.
val_cfg = dict(_delete_=True, type="ValLoop")
