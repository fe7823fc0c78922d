# configs/discogan/edges2shoes.py plus checkpoint selection by FID (opt-in: needs a weights file).
# Every 5000 iterations the edges of the first half of val/ are translated to shoes and compared with the
# shoes of the second half (FID and KID, dareg.evaluation.InceptionMetrics; no pair survives, as in training);
# the checkpoint with the lowest FID is kept as best_FID.pth (recorded in best_checkpoints.json).
# Needs the FID Inception weights as a local file (nothing is downloaded): pytorch-fid's
# pt_inception-2015-12-05-6726825d.pth from https://github.com/mseitzer/pytorch-fid/releases at
# `inception_weights` below, or --cfg-options val_evaluator.inception.weights=PATH. A missing file stops the
# run when it starts. FID over 100 images is biased upwards (compare checkpoints of this config only).
#   python tools/train.py configs/discogan/edges2shoes_fid.py
_base_ = ["./edges2shoes.py"]
inception_weights = "checkpoints/pt_inception-2015-12-05-6726825d.pth"
val_dataloader = dict(
    batch_size=50,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(type="SideBySideImageDataset", data_root={{_base_.data_root}}, split="val", side="left", part="first"),
)
val_evaluator = dict(
    type="InceptionMetrics",
    reference=dict(
        type="SideBySideImageDataset", data_root={{_base_.data_root}}, split="val", side="right", part="second"
    ),
    inception=dict(weights=inception_weights),
    mean=[0.0] * 3,  # the model's data_preprocessor: images on [0, 1], RGB
    std=[255.0] * 3,
    bgr_to_rgb=True,
)
val_cfg = dict(_delete_=True, type="ValLoop")
train_cfg = dict(val_interval=5000)  # with the periodic checkpoints
default_hooks = dict(best=dict(type="BestCheckpointHook", key="FID", rule="less"))
