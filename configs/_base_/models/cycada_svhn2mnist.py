# CyCADA's stage (b) on SVHN -> MNIST, as a delta over a CycleGAN config (configs/cyclegan/svhn2mnist*.py): the
# semantic consistency loss under stage (a)'s frozen LeNet f_S. A config takes it with
# `model = {{_base_.cycada_svhn2mnist}}` (configs/cycada/svhn2mnist_stage_b_cycada*.py).
# Input: work_dirs/cycada_svhn2mnist_a/iter_10000.pth (stage (a)); the network is loaded, frozen, kept in eval
# mode and never changes.
cycada_svhn2mnist = dict(
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
