# DAFormer (Hoyer et al., CVPR 2022) on dareg's embedded street scenes with hedges, sized for two CPU cores:
# MiT-B0 and a DAFormer head of width 64 (dareg's _base_/models/daformer_mitb0.py), batch 4 + 4, 500
# iterations of DAFormer's optimiser as in source_only_daformer_synthetic_hedge.py, which it starts from.
# DAFormer's own settings as in the reference: EMA teacher updated at the start of each step, threshold 0.968
# with the quality weight q, ClassMix over the classes of the whole source batch, colour jitter 0.2 (p 0.8)
# then blur (p 0.5) on the mixed images, lambda_mix 1, feature distance 0.005 at the last encoder stage on the
# thing classes (here person and car, ids 6 and 7 of the 8 demo classes). Student and teacher are validated.
# Deviations from the reference (configs/daformer_gta2cityscapes.py):
# - MiT-B0 with a width-64 head, 64x128 scenes, 500 iterations, lr 6e-4 (head 6e-3) with a 19-iteration
#   warm-up, no Rare Class Sampling (the 8 demo classes are all common), instead of MiT-B5 from ImageNet,
#   512 crops, 40k iterations, lr 6e-5 and a 1500-iteration warm-up;
# - EMA alpha 0.99 instead of 0.999: alpha_t = min(1 - 1/(t+1), alpha) reaches 0.999 only at iteration 999,
#   after the end of this run, so 0.999 would make the teacher the plain mean of every student since the start;
# - no ignored border rows (the reference's 15 top / 120 bottom rows hide the ego-vehicle and rectification
#   borders of Cityscapes, which the synthetic scenes do not have);
# - warm start: the student starts from the source-only checkpoint (load_from below; train
#   source_only_daformer_synthetic_hedge.py first, with the same seed), and the feature distance's frozen
#   encoder is that checkpoint's encoder (the reference: ImageNet weights for both).
#   dareg train dareg_selftrain::source_only_daformer_synthetic_hedge.py
#   dareg train dareg_selftrain::daformer_synthetic_hedge.py
_base_ = ["./source_only_daformer_synthetic_hedge.py"]

model = dict(
    _delete_=True,
    type="DAFormer",
    task_model={{_base_.model.task_model}},
    data_preprocessor={{_base_.model.data_preprocessor}},
    teacher=dict(alpha=0.99),
    teacher_update="before_step",
    pseudo_labeller=dict(type="PseudoLabeller", threshold=0.968, ignore_top=0, ignore_bottom=0),
    class_mix=dict(type="ClassMix", batch_wide=True),
    strong_augment=dict(
        type="BatchCompose", augments=[dict(type="ColorJitter", strength=0.2, p=0.8), dict(type="GaussianBlur", p=0.5)]
    ),
    lambda_mix=1.0,
    feature_distance=dict(type="ImageNetFeatureDistance", classes=[6, 7], num_classes=8, loss_weight=0.005),
)
val_cfg = dict(type="NetworksValLoop")
test_cfg = dict(type="NetworksTestLoop")
load_from = "work_dirs/source_only_daformer_synthetic_hedge/iter_500.pth"
# the source-only checkpoint has no frozen encoder: the feature distance copies it from the student at iteration 0
default_hooks = dict(strict_load=dict(ignore_missing=["feature_distance.*"]))
