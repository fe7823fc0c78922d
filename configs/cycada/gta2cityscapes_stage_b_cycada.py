# CyCADA, GTA5 -> Cityscapes, stage (b) of 3: pixel-level CycleGAN GTA5 <-> Cityscapes (settings of
# configs/cyclegan/gta2cityscapes.py) plus the semantic consistency loss under stage (a)'s frozen DeepLab-v2
# f_S (configs/_base_/models/cycada_gta2cityscapes.py): its predictions on a translated crop must match its
# predictions on the original crop. The reference drops this loss for memory (use configs/cyclegan/gta2cityscapes.py
# for that setting). Input: work_dirs/cycada_gta2cityscapes_a/iter_150000.pth (stage (a)).
# How the stages chain: configs/cycada/gta2cityscapes_stage_a_source_only.py.
#   python tools/train.py configs/cycada/gta2cityscapes_stage_b_cycada.py
_base_ = ["../cyclegan/gta2cityscapes.py", "../_base_/models/cycada_gta2cityscapes.py"]
work_dir = "work_dirs/cycada_gta2cityscapes_b"
model = {{_base_.cycada_gta2cityscapes}}
