# The source-only network the DAFormer and MIC demos on the street scenes with hedges start from (load_from):
# DAFormer's network sized for two CPU cores (dareg's _base_/models/daformer_mitb0.py: MiT-B0 and a DAFormer
# head of width 64, random initialisation) trained on the labelled source scenes with DAFormer's optimiser
# (AdamW, head 10x, no weight decay on norms, linear warm-up then poly decay) shortened to the demos' 500
# iterations (warm-up 1500 -> 19 iterations, the reference's share of the run) and with a 10x learning rate
# (6e-4, head 6e-3): the reference fine-tunes an ImageNet encoder, this one starts from random weights. The
# rate was chosen on *source* val scenes (mIoU after 150 iterations: 27.2 at 6e-5, 58.8 at 6e-4, 61.4 at 2e-3);
# no target label was used.
# Its last checkpoint, work_dirs/source_only_daformer_synthetic_hedge/iter_500.pth, is what
# daformer_synthetic_hedge.py, mic_synthetic_hedge.py and their ablations load.
#   dareg train dareg_selftrain::source_only_daformer_synthetic_hedge.py
_base_ = [
    "dareg::_base_/default_runtime.py",
    "dareg::_base_/datasets/synthetic_streets.py",
    "dareg::_base_/models/daformer_mitb0.py",
    "dareg::_base_/schedules/adamw_poly_warmup_40k.py",
]

num_classes = 8
max_iters = 500
model = dict(task_model=dict(head=dict(num_classes=num_classes)))
optim_wrapper = dict(task_model=dict(optimizer=dict(lr=6e-4)))
param_scheduler = dict(task_model=dict(warmup_iters=19, end=max_iters))
train_cfg = dict(max_iters=max_iters, val_interval=250)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1),
)
train_dataloader = dict(dataset=dict(source=dict(vegetation_layout="hedge"), target=dict(vegetation_layout="hedge")))
val_dataloader = dict(dataset=dict(vegetation_layout="hedge"))
test_dataloader = val_dataloader
