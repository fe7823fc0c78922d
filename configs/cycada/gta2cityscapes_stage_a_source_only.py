# CyCADA (Hoffman et al., ICML 2018), GTA5 -> Cityscapes, stage (a) of 3: the source task network f_S, the
# multi-level DeepLab-v2 ResNet-101 trained on labelled GTA5 only (generic SourceOnly; the same run as
# configs/source_only/gta2cityscapes_deeplabv2.py, with a fixed work directory for the next stages).
# The three stages, one command each (run from the repository root):
#   (a) python tools/train.py configs/cycada/gta2cityscapes_stage_a_source_only.py
#         -> work_dirs/cycada_gta2cityscapes_a/iter_150000.pth
#   (b) python tools/train.py configs/cycada/gta2cityscapes_stage_b_cycada.py
#         (task_checkpoint = stage (a)'s checkpoint, frozen) -> work_dirs/cycada_gta2cityscapes_b/iter_200000.pth
#       The reference trains this stage without the semantic loss (memory): that is
#       configs/cyclegan/gta2cityscapes.py, which needs no stage (a).
#       Then render every GTA5 image in Cityscapes style, next to the original labels (resumable):
#       python tools/translate.py configs/cycada/gta2cityscapes_stage_b_cycada.py \
#           work_dirs/cycada_gta2cityscapes_b/iter_200000.pth --dataset train_dataloader.dataset.source \
#           --scale 1024 563 --out data/gta5_cityscapes_style --device cuda
#   (c) python tools/train.py configs/cycada/gta2cityscapes_stage_c_adaptsegnet.py
#         (AdaptSegNet on the translated GTA5 images with the GTA5 labels; evaluated on Cityscapes val)
# Published (CyCADA): 35.4 (VGG16-FCN8s), 39.5 (DRN-26); tllib reports 47.4 with DeepLab-v2 ResNet-101
# (pixel-level only). dareg's stage (c) uses AdaptSegNet's output-space adaptation for the feature level.
_base_ = ["../source_only/gta2cityscapes_deeplabv2.py"]
work_dir = "work_dirs/cycada_gta2cityscapes_a"
