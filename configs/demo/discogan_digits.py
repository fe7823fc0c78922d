# DiscoGAN on the embedded digit pair at 64x64 colour (its encoder-decoder needs 64x64): domain A = the
# handwritten digits, B = the photo-blended ones. The reference's losses, weights, curriculum and update
# rule (configs/discogan/edges2shoes.py) with narrowed networks (16 base channels instead of 64), batch
# 32 instead of 200, and a 1,000-iteration run whose reconstruction curriculum switches at 500 (reference:
# 10k), so that it trains on 2 CPU cores in minutes. Sample grids land in work_dir/vis/.
#   python tools/train.py configs/demo/discogan_digits.py
_base_ = ["../discogan/edges2shoes.py"]
model = dict(generator=dict(base_channels=16), discriminator=dict(base_channels=16), curriculum_iters=500)
embedded_digits = dict(type="EmbeddedDigitsDataset", image_size=64, channels=3, seed=0, split="train")
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        source=dict(_delete_=True, **embedded_digits, domain="source"),
        target=dict(_delete_=True, **embedded_digits, domain="target"),
    ),
)
train_cfg = dict(max_iters=1000)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=500))
custom_hooks = [dict(type="TranslationVisualizationHook", interval=250, num_samples=4)]
