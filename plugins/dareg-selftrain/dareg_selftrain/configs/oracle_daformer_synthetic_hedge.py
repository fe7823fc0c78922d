# Target oracle for the DAFormer and MIC demos on the street scenes with hedges: the network, optimiser and
# schedule of source_only_daformer_synthetic_hedge.py (MiT-B0 + DAFormer head of width 64, 500 iterations)
# trained on the *labelled* target ("real-like") training scenes instead of the source ones, evaluated on the
# same target val scenes. It uses target labels: the upper bound that the gap closed of those demos is
# measured against (the demo segmentor's oracle, configs/demo/oracle_synthetic.py, is a weaker network).
#   dareg train dareg_selftrain::oracle_daformer_synthetic_hedge.py
_base_ = ["./source_only_daformer_synthetic_hedge.py"]
train_dataloader = dict(dataset=dict(source=dict(domain="target")))
