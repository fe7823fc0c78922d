# AdaptSegNet on the embedded street scenes with hedges: the same demo as adaptseg_synthetic.py, with roadside
# vegetation drawn as low hedges and trees along the sidewalk (vegetation_layout="hedge") instead of in the
# facades' slots, so that the label layout tells vegetation from building, as street photographs do.
# On these scenes the adversarial terms beat their lambda_adv ablation in every seed (5 seeds: +4.0 +- 1.5
# mIoU); on the facade layout one seed in three swaps vegetation for building instead
# (docs/results/embedded_benchmarks.md). Source-only / oracle: source_only_synthetic.py / oracle_synthetic.py
# with the same three dataset keys set (the streets_hedge rows of tools/analysis/embedded_benchmarks.py).
#   python tools/train.py configs/demo/adaptseg_synthetic_hedge.py
_base_ = ["./adaptseg_synthetic.py"]

train_dataloader = dict(dataset=dict(source=dict(vegetation_layout="hedge"), target=dict(vegetation_layout="hedge")))
val_dataloader = dict(dataset=dict(vegetation_layout="hedge"))
test_dataloader = val_dataloader
