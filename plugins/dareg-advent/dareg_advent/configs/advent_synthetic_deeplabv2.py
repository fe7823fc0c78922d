# AdvEnt on the embedded synthetic street scenes with the paper's kind of backbone: a DeepLab-v2
# ResNet-50 (Caffe-style, output stride 8, randomly initialised) in place of the demo's timm ResNet-18.
# The backbone dict is replaced (_delete_=True: the two classes take different arguments), the heads
# size themselves from its out_channels (1024, 2048), and the inputs get DeepLab's Caffe
# normalisation (BGR, mean subtracted, no std). Slower than advent_synthetic.py on a CPU.
#   dareg train dareg_advent::advent_synthetic_deeplabv2.py
_base_ = ["./advent_synthetic.py"]

model = dict(
    segmentor=dict(backbone=dict(_delete_=True, type="DeepLabV2ResNet", depth=50)),
    data_preprocessor=dict(
        _delete_=True, type="DomainDataPreprocessor", mean=[104.00698793, 116.66876762, 122.67891434]
    ),
)
