# The source-only network the self-training demos on the street scenes with hedges start from (load_from):
# dareg's source-only demo (demo/source_only_synthetic.py: the AdaptSegNet demo's segmentor, SGD 0.01 with
# heads 10x, poly over 500 iterations) on the hedge layout, i.e. the "Source-only" row of the streets_hedge
# table of docs/results/embedded_benchmarks.md. Its last checkpoint, work_dirs/source_only_synthetic_hedge/
# iter_500.pth, is what dacs_synthetic_hedge.py, combined_synthetic_hedge.py and their ablations load.
#   dareg train dareg_selftrain::source_only_synthetic_hedge.py
_base_ = ["dareg::demo/source_only_synthetic.py"]

train_dataloader = dict(dataset=dict(source=dict(vegetation_layout="hedge"), target=dict(vegetation_layout="hedge")))
val_dataloader = dict(dataset=dict(vegetation_layout="hedge"))
test_dataloader = val_dataloader
