# configs/cyclegan/gta2cityscapes.py plus checkpoint selection by FID (opt-in: needs a weights file).
# Every 10,000 iterations the first 500 GTA5 images (GTA5 has no test split; FID measures how Cityscapes-like
# the translations look, not generalisation) are translated at 1024x563 and compared with the 500 Cityscapes
# val images at 1024x512 (FID and KID, dareg.evaluation.InceptionMetrics); the checkpoint with the lowest FID is
# kept as best_FID.pth (recorded in best_checkpoints.json) beside the periodic checkpoints.
# Needs the FID Inception weights as a local file (nothing is downloaded): pytorch-fid's
# pt_inception-2015-12-05-6726825d.pth from https://github.com/mseitzer/pytorch-fid/releases at
# `inception_weights` below, or --cfg-options val_evaluator.inception.weights=PATH. A missing file stops the
# run when it starts.
#   python tools/train.py configs/cyclegan/gta2cityscapes_fid.py
_base_ = ["./gta2cityscapes.py"]
inception_weights = "checkpoints/pt_inception-2015-12-05-6726825d.pth"
val_dataloader = dict(
    _delete_=True,
    batch_size=1,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="GTA5Dataset",
        data_root={{_base_.gta5_root}},
        with_labels=False,
        indices=500,
        pipeline=[
            dict(type="LoadImageFromFile"),
            dict(type="Resize", scale=(1024, 563), interpolation="bicubic"),
            dict(type="PackInputs"),
        ],
    ),
)
val_evaluator = dict(
    _delete_=True,
    type="InceptionMetrics",
    reference=dict(
        type="CityscapesDataset",
        data_root={{_base_.cityscapes_root}},
        split="val",
        with_labels=False,
        pipeline={{_base_.cityscapes_train_pipeline}},
    ),
    inception=dict(weights=inception_weights),
    mean=[127.5] * 3,  # the model's data_preprocessor (configs/_base_/models/cyclegan.py)
    std=[127.5] * 3,
    bgr_to_rgb=True,
    batch_size=25,
)
val_cfg = dict(_delete_=True, type="ValLoop")
train_cfg = dict(val_interval=10000)  # with the periodic checkpoints
default_hooks = dict(best=dict(type="BestCheckpointHook", key="FID", rule="less"))
