# Runtime settings shared by every dareg config.
default_scope = "dareg"

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type="ParamSchedulerHook"),
    # atomic_local: a crash mid-write never leaves a truncated latest checkpoint
    checkpoint=dict(
        type="CheckpointHook",
        by_epoch=False,
        interval=5000,
        max_keep_ckpts=-1,
        backend_args=dict(backend="atomic_local"),
    ),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
# RandomStateHook keeps the global RNG states in checkpoints: a resumed run continues bit for bit.
custom_hooks = [
    dict(type="RandomStateHook"),
    # FiniteLossHook stops at the first NaN/inf loss; the last good checkpoint stays the latest.
    dict(type="FiniteLossHook"),
    # StrictLoadHook: load_from / --resume of a checkpoint from another config fails, listing the keys.
    dict(type="StrictLoadHook"),
    # LogHistoryLimitHook: mmengine's logged-scalar histories grow (and cost) with every iteration; cap them.
    dict(type="LogHistoryLimitHook", max_length=1000),
]

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
