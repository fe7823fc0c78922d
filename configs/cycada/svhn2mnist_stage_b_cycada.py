# CyCADA, SVHN -> MNIST, stage (b) of 3: pixel-level CycleGAN SVHN <-> MNIST (CyCADA's digit settings:
# lambda_cycle 1, no identity loss) plus the semantic consistency loss under stage (a)'s frozen LeNet f_S
# (configs/_base_/models/cycada_svhn2mnist.py): f_S must give G_ab(svhn) the label it gives the SVHN image, and
# G_ba(mnist) the label it gives the MNIST image. Input: work_dirs/cycada_svhn2mnist_a/iter_10000.pth (stage (a)).
# How the stages chain: see configs/cycada/svhn2mnist_stage_a_source_only.py.
#   python tools/train.py configs/cycada/svhn2mnist_stage_b_cycada.py
_base_ = ["../cyclegan/svhn2mnist.py", "../_base_/models/cycada_svhn2mnist.py"]
work_dir = "work_dirs/cycada_svhn2mnist_b"
model = {{_base_.cycada_svhn2mnist}}
