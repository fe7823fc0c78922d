# Source-only PixelDA task classifier, MNIST -> MNIST-M (32x32 colour); PixelDA reports 63.6.
#   python tools/train.py configs/source_only/mnist2mnistm.py
_base_ = [
    "../_base_/datasets/mnist2mnistm.py",
    "../_base_/models/pixelda_task_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
optim_wrapper = dict(task_model=dict(optimizer=dict(lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-5)))
train_cfg = dict(max_iters=20000, val_interval=2000)
