# CyCADA, SVHN -> MNIST, stage (b) of 3: pixel-level CycleGAN SVHN <-> MNIST (CyCADA's digit settings:
# lambda_cycle 1, no identity loss) plus the semantic consistency loss under stage (a)'s frozen LeNet f_S:
# f_S must give G_ab(svhn) the label it gives the SVHN image, and G_ba(mnist) the label it gives the MNIST image.
# Input: work_dirs/cycada_svhn2mnist_a/iter_10000.pth (stage (a)); the network is loaded, frozen, kept in eval
# mode and never changes. How the stages chain: see configs/cycada/svhn2mnist_stage_a_source_only.py.
#   python tools/train.py configs/cycada/svhn2mnist_stage_b_cycada.py
_base_ = ["../cyclegan/svhn2mnist.py"]
work_dir = "work_dirs/cycada_svhn2mnist_b"
model = dict(
    type="CyCADA",
    # exactly stage (a)'s task network (configs/_base_/models/lenet_source_only.py)
    task_model=dict(
        type="ImageClassifier",
        backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.5, feature_relu=True),
        head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
    ),
    task_checkpoint="work_dirs/cycada_svhn2mnist_a/iter_10000.pth",
    lambda_semantic=1.0,
)
