# configs/cyclegan/svhn2mnist.py plus checkpoint selection by FID (opt-in: needs a weights file).
# Every 5000 iterations the first 10,000 SVHN test digits are translated to MNIST style and compared with the
# 10,000 MNIST test digits (FID and KID, dareg.evaluation.InceptionMetrics; grey 28x28 digits are repeated to
# three channels and resized to 299x299 for Inception); the checkpoint with the lowest FID is kept as
# best_FID.pth (recorded in best_checkpoints.json) beside the periodic checkpoints.
# Needs the FID Inception weights as a local file (nothing is downloaded): pytorch-fid's
# pt_inception-2015-12-05-6726825d.pth from https://github.com/mseitzer/pytorch-fid/releases at
# `inception_weights` below, or --cfg-options val_evaluator.inception.weights=PATH. A missing file stops the
# run when it starts. For label preservation on digits see dareg.analysis.translation_quality.
#   python tools/train.py configs/cyclegan/svhn2mnist_fid.py
_base_ = ["./svhn2mnist.py"]
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
