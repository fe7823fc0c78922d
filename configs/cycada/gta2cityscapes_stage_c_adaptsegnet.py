# CyCADA, GTA5 -> Cityscapes, stage (c) of 3: feature-level (here: AdaptSegNet's multi-level output-space)
# adaptation of DeepLab-v2 trained on GTA5 images rendered in Cityscapes style by stage (b)'s generator, with
# the original GTA5 labels (TranslatedImageDataset: same file names under the translated folder, labels and
# label mapping from GTA5). AdaptSegNet's settings otherwise (configs/adaptseg/gta2cityscapes.py).
# Input: data/gta5_cityscapes_style, written by tools/translate.py after stage (b) (see the chain in
# configs/cycada/gta2cityscapes_stage_a_source_only.py). Evaluated on Cityscapes val.
#   python tools/train.py configs/cycada/gta2cityscapes_stage_c_adaptsegnet.py
_base_ = ["../adaptseg/gta2cityscapes.py"]
work_dir = "work_dirs/cycada_gta2cityscapes_c"
train_dataloader = dict(
    dataset=dict(
        source=dict(
            _delete_=True,
            type="TranslatedImageDataset",
            dataset=dict(type="GTA5Dataset", data_root="data/gta5", pipeline={{_base_.gta5_pipeline}}),
            img_root="data/gta5_cityscapes_style",
        ),
    ),
)
