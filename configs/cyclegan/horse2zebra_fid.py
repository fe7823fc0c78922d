# configs/cyclegan/horse2zebra.py plus checkpoint selection by FID (opt-in: needs a weights file).
# Every 5 epochs testA is translated to zebras and compared with the real testB zebras (FID and KID,
# dareg.evaluation.InceptionMetrics); the checkpoint with the lowest FID is kept as best_FID.pth (recorded in
# best_checkpoints.json) beside the periodic checkpoints, which stay untouched.
# Needs the FID Inception weights as a local file (nothing is downloaded): pytorch-fid's
# pt_inception-2015-12-05-6726825d.pth from https://github.com/mseitzer/pytorch-fid/releases at
# `inception_weights` below, or another path given by --cfg-options val_evaluator.inception.weights=PATH.
# A missing file stops the run when it starts. FID over ~120 test images is biased upwards (comparable between
# checkpoints of this config, not with published 50k-image numbers); see docs/analysis.md.
#   python tools/train.py configs/cyclegan/horse2zebra_fid.py
_base_ = ["./horse2zebra.py"]
inception_weights = "checkpoints/pt_inception-2015-12-05-6726825d.pth"
test_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(256, 256), interpolation="bicubic"),
    dict(type="PackInputs"),
]
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="UnpairedImageDataset", data_root={{_base_.data_root}}, domain="A", split="test", pipeline=test_pipeline
    ),
)
val_evaluator = dict(
    type="InceptionMetrics",
    reference=dict(
        type="UnpairedImageDataset", data_root={{_base_.data_root}}, domain="B", split="test", pipeline=test_pipeline
    ),
    inception=dict(weights=inception_weights),
    mean=[127.5] * 3,  # the model's data_preprocessor (configs/_base_/models/cyclegan.py)
    std=[127.5] * 3,
    bgr_to_rgb=True,
)
val_cfg = dict(_delete_=True, type="ValLoop")
train_cfg = dict(val_interval=5 * 1334)  # every 5 reference epochs, with the periodic checkpoints
default_hooks = dict(best=dict(type="BestCheckpointHook", key="FID", rule="less"))
