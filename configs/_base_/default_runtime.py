# Runtime settings shared by every dareg config.
default_scope = "dareg"

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type="ParamSchedulerHook"),
    # dareg's CheckpointHook (same name, scope "dareg") removes old checkpoints only after the new one
    # and last_checkpoint are written; atomic_local writes atomically, with a sha256 record per file
    checkpoint=dict(
        type="CheckpointHook",
        by_epoch=False,
        interval=5000,
        max_keep_ckpts=-1,
        backend_args=dict(backend="atomic_local"),
    ),
    sampler_seed=dict(type="DistSamplerSeedHook"),
    # dareg's guarantees live here, not in custom_hooks: dicts merge by key across _base_ files, so a
    # config changes one (strict_load=dict(type="StrictLoadHook", ignore_missing=[...])) or drops it
    # (finite_loss=None) without restating the others.
    # RandomStateHook keeps the global RNG states in checkpoints: a resumed run continues bit for bit.
    random_state=dict(type="RandomStateHook"),
    # FiniteLossHook stops at the first NaN/inf loss; the last good checkpoint stays the latest.
    finite_loss=dict(type="FiniteLossHook"),
    # LabelledPixelsHook stops a run whose supervised loss saw no labelled pixel for 50 iterations in a row.
    labelled_pixels=dict(type="LabelledPixelsHook", max_iters_without_labels=50),
    # StrictLoadHook: load_from / --resume of a checkpoint from another config fails, listing the keys.
    strict_load=dict(type="StrictLoadHook"),
    # LogHistoryLimitHook: mmengine's logged-scalar histories grow (and cost) with every iteration; cap them.
    log_history=dict(type="LogHistoryLimitHook", max_length=1000),
    # PreemptionHook: SIGTERM/SIGINT/SIGUSR1 finish the iteration, save a checkpoint and exit non-zero.
    preemption=dict(type="PreemptionHook"),
    # RankConsistencyHook: in distributed runs, every 100 iterations (and after the first), the ranks compare
    # checksums of their weights and stop the run if they differ (gradients that DDP never averaged).
    rank_consistency=dict(type="RankConsistencyHook", interval=100),
    # ResumeLearningRateHook: on --resume, learning rates changed in the config (or --cfg-options) apply.
    resume_lr=dict(type="ResumeLearningRateHook"),
    # SegVisualizationHook: the first coloured segmentation predictions of each validation go to the
    # visualizer (TensorBoard with configs/_base_/tensorboard.py); nothing for models without pred_seg.
    seg_visualization=dict(type="SegVisualizationHook", num_samples=4),
)
custom_hooks = []

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
    dist_cfg=dict(backend="nccl"),
)
randomness = dict(seed=0, deterministic=False)

log_processor = dict(by_epoch=False)
log_level = "INFO"
load_from = None
resume = False
