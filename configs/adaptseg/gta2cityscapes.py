# AdaptSegNet, multi-level (Tsai et al., CVPR 2018), GTA5 -> Cityscapes, DeepLab-v2 ResNet-101.
# Published: 42.4 mIoU on Cityscapes val (source-only 36.6); independent reruns 39.5 to 42.0.
#   python tools/train.py configs/adaptseg/gta2cityscapes.py
# Needs data/gta5, data/cityscapes and checkpoints/DeepLab_resnet_pretrained_init-f81d91e8.pth.
# On newer PyTorch the reference README suggests lambda_adv (0.00005, 0.0005):
#   --cfg-options model.lambda_adv="(0.00005,0.0005)"
# --compile does not pay off on a CPU (321x321 crops: compiled / eager 1.01 fp32, 1.04 --amp, after ~1.5 min
# of compilation; docs/results/compile.md). On a GPU it is unmeasured until tools/gpu_check.sh has run.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/gta2cityscapes.py",
    "../_base_/models/deeplabv2_multilevel.py",
    "../_base_/schedules/adaptseg_poly_150k.py",
]
