# configs/cycada/svhn2mnist_stage_b_cycada.py plus checkpoint selection by FID (opt-in: needs a weights file), with the
# validation of configs/cyclegan/svhn2mnist_fid.py (the same block; tests check that they stay equal): FID and KID
# of the A -> B translations against real target images, best_FID.pth kept beside the periodic checkpoints.
# Needs pytorch-fid's pt_inception-2015-12-05-6726825d.pth at `inception_weights` (nothing is downloaded; see
# docs/analysis.md). tools/translate.py can then render stage (c)'s data with best_FID.pth.
#   python tools/train.py configs/cycada/svhn2mnist_stage_b_cycada_fid.py
_base_ = ["./svhn2mnist_stage_b_cycada.py"]
inception_weights = "checkpoints/pt_inception-2015-12-05-6726825d.pth"
val_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=2,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="SVHNDataset",
        data_root={{_base_.svhn_root}},
        split="test",
        channels=1,
        pipeline={{_base_.digits28_pipeline}},
        indices=10000,
    ),
)
val_evaluator = dict(
    _delete_=True,
    type="InceptionMetrics",
    reference=dict(type="MNISTDataset", data_root={{_base_.mnist_root}}, split="test", pipeline={{_base_.digits28_pipeline}}),
    inception=dict(weights=inception_weights),
    mean=[127.5],  # the model's data_preprocessor (one grey channel)
    std=[127.5],
    bgr_to_rgb=False,
)
val_cfg = dict(_delete_=True, type="ValLoop")
train_cfg = dict(val_interval=5000)  # with the periodic checkpoints
default_hooks = dict(best=dict(type="BestCheckpointHook", key="FID", rule="less"))
