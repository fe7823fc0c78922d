# configs/cycada/gta2cityscapes_stage_b_cycada.py plus checkpoint selection by FID (opt-in: needs a weights file), with the
# validation of configs/cyclegan/gta2cityscapes_fid.py (the same block; tests check that they stay equal): FID and KID
# of the A -> B translations against real target images, best_FID.pth kept beside the periodic checkpoints.
# Needs pytorch-fid's pt_inception-2015-12-05-6726825d.pth at `inception_weights` (nothing is downloaded; see
# docs/analysis.md). tools/translate.py can then render stage (c)'s data with best_FID.pth.
#   python tools/train.py configs/cycada/gta2cityscapes_stage_b_cycada_fid.py
_base_ = ["./gta2cityscapes_stage_b_cycada.py"]
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
