# CycleGAN GTA5 -> Cityscapes: CyCADA's pixel-level stage for segmentation, which its reference trains without
# the semantic loss (for memory). Reference CycleGAN model and losses (9 blocks, PatchGAN, LSGAN, lambda 10,
# identity 0.5, pools of 50, Adam 2e-4 (0.5, 0.999), batch 1).
# dareg's choices: GTA5 resized to 1024x563 (aspect kept) and Cityscapes to 1024x512, random 400x400 crops and
# flips; 200k iterations (about 8 GTA5 epochs), the second half with linear decay.
# The two history pools of 400x400 crops are saved in each checkpoint (~190 MB) for an exact resume.
#   python tools/train.py configs/cyclegan/gta2cityscapes.py
# Then render all of GTA5 in Cityscapes style, next to the original labels (resumable):
#   python tools/translate.py configs/cyclegan/gta2cityscapes.py work_dirs/gta2cityscapes/iter_200000.pth \
#       --dataset train_dataloader.dataset.source --scale 1024 563 --out data/gta5_cityscapes_style --device cuda
_base_ = [
    "../_base_/datasets/gta2cityscapes.py",
    "../_base_/models/cyclegan.py",
    "../_base_/schedules/cyclegan_linear_decay.py",
    "../_base_/default_runtime.py",
]
crop = 400
train_dataloader = dict(
    dataset=dict(
        source=dict(
            with_labels=False,
            pipeline=[
                dict(type="LoadImageFromFile"),
                dict(type="Resize", scale=(1024, 563), interpolation="bicubic"),
                dict(type="RandomCrop", size=crop),
                dict(type="RandomFlip", prob=0.5),
                dict(type="PackInputs"),
            ],
        ),
        target=dict(
            pipeline=[
                dict(type="LoadImageFromFile"),
                dict(type="Resize", scale=(1024, 512), interpolation="bicubic"),
                dict(type="RandomCrop", size=crop),
                dict(type="RandomFlip", prob=0.5),
                dict(type="PackInputs"),
            ],
        ),
    ),
)
val_cfg = val_dataloader = val_evaluator = test_cfg = test_dataloader = test_evaluator = None  # no metric
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=10000))
custom_hooks = [
    dict(type="TranslationVisualizationHook", interval=2000, num_samples=1),
]
