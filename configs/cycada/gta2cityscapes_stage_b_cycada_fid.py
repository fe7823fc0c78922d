# configs/cycada/gta2cityscapes_stage_b_cycada.py plus checkpoint selection by FID (opt-in: needs a weights file):
# the same CyCADA delta (configs/_base_/models/cycada_gta2cityscapes.py) over configs/cyclegan/gta2cityscapes_fid.py,
# whose validation it inherits: FID and KID of the A -> B translations against real target images, best_FID.pth
# kept beside the periodic checkpoints. Needs pytorch-fid's pt_inception-2015-12-05-6726825d.pth at
# `inception_weights` (nothing is downloaded; see docs/analysis.md). tools/translate.py can then render stage
# (c)'s data with best_FID.pth.
#   python tools/train.py configs/cycada/gta2cityscapes_stage_b_cycada_fid.py
_base_ = ["../cyclegan/gta2cityscapes_fid.py", "../_base_/models/cycada_gta2cityscapes.py"]
work_dir = "work_dirs/cycada_gta2cityscapes_b"
model = {{_base_.cycada_gta2cityscapes}}
