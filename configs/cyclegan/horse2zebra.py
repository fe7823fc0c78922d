# CycleGAN (Zhu et al., ICCV 2017) on an unpaired image-folder dataset, reference settings: 9-block ResNet
# generator, 70x70 PatchGAN, LSGAN, lambda_cycle 10, identity 0.5, pools of 50, Adam 2e-4 (0.5, 0.999),
# batch 1, load 286 / random crop 256 / flip, 100 epochs constant + 100 epochs linear decay to 0.
# Data: data/horse2zebra/{trainA,trainB,testA,testB} (any dataset in the CycleGAN layout works: set
# data_root). One reference epoch = max(|trainA|, |trainB|) = 1334 iterations for horse2zebra.
#   python tools/train.py configs/cyclegan/horse2zebra.py
#   python tools/translate.py configs/cyclegan/horse2zebra.py work_dirs/horse2zebra/iter_266800.pth \
#       --input data/horse2zebra/testA --out work_dirs/horse2zebra/testA_as_zebras
# On a CPU, --compile pays off with --amp (bf16: steps 13% shorter, 23% less memory, after ~1.5 min of
# compilation) and not in fp32 (1.02); docs/results/compile.md. GPU: unmeasured until tools/gpu_check.sh runs.
_base_ = [
    "../_base_/models/cyclegan.py",
    "../_base_/schedules/cyclegan_linear_decay.py",
    "../_base_/default_runtime.py",
]
data_root = "data/horse2zebra"
epoch_iters = 1334
train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="StreamSampler", shuffle=True),
    collate_fn=dict(type="dareg.domain_collate"),
    dataset=dict(
        type="DomainPairDataset",
        source=dict(type="UnpairedImageDataset", data_root=data_root, domain="A", split="train"),
        target=dict(type="UnpairedImageDataset", data_root=data_root, domain="B", split="train"),
    ),
)
param_scheduler = dict(
    generators=dict(constant_steps=100 * epoch_iters, end=200 * epoch_iters),
    discriminators=dict(constant_steps=100 * epoch_iters, end=200 * epoch_iters),
)
train_cfg = dict(max_iters=200 * epoch_iters)
val_cfg = test_cfg = None  # no translation metric
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=5 * epoch_iters))
custom_hooks = [
    dict(type="TranslationVisualizationHook", interval=epoch_iters, num_samples=1),
]
