# CyCADA stage (b) on the embedded digit pair (28x28 grey; MNIST-like -> photo-blended MNIST-M-like digits):
# CycleGAN with the semantic consistency loss under the frozen source-only LeNet of the demo stage (a).
# Narrowed networks (16 filters, 3 blocks) so that it runs on 2 CPU cores in a few minutes.
# The demo chain (run from the repository root, default work directories):
#   (a) python tools/train.py configs/demo/source_only_digits.py   -> work_dirs/source_only_digits/iter_600.pth
#   (b) python tools/train.py configs/demo/cycada_digits.py        -> work_dirs/cycada_digits/iter_600.pth
#       python tools/translate.py configs/demo/cycada_digits.py work_dirs/cycada_digits/iter_600.pth \
#           --dataset train_dataloader.dataset.source --out work_dirs/cycada_digits_translated
#   (c) python tools/train.py configs/demo/cycada_digits_stage_c.py  (ADDA on the translated source digits)
_base_ = [
    "../_base_/datasets/digits_embedded.py",
    "../_base_/models/cyclegan.py",
    "../_base_/schedules/cyclegan_linear_decay.py",
    "../_base_/default_runtime.py",
]
model = dict(
    type="CyCADA",
    data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5], bgr_to_rgb=False),
    generator=dict(in_channels=1, out_channels=1, base_channels=16, num_blocks=3),
    discriminator=dict(in_channels=1, base_channels=16, num_layers=2),
    lambda_cycle=1.0,
    lambda_identity=0.0,
    # exactly stage (a)'s network (configs/_base_/models/lenet_source_only.py)
    task_model=dict(
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.5, feature_relu=True),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    ),
    task_checkpoint="work_dirs/source_only_digits/iter_600.pth",
    lambda_semantic=1.0,
)
max_iters = 600
train_dataloader = dict(batch_size=16)
param_scheduler = dict(
    generators=dict(constant_steps=300, end=max_iters),
    discriminators=dict(constant_steps=300, end=max_iters),
)
train_cfg = dict(max_iters=max_iters)
val_cfg = val_dataloader = val_evaluator = test_cfg = test_dataloader = test_evaluator = None  # no metric
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
custom_hooks = [
    dict(type="TranslationVisualizationHook", interval=100, num_samples=4),
]
