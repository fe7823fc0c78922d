# CyCADA (Hoffman et al., ICML 2018), SVHN -> MNIST, stage (a) of 3: the source task network f_S, a LeNet
# trained on labelled SVHN only (the generic SourceOnly algorithm; the same run as
# configs/source_only/svhn2mnist.py, with a fixed work directory so that the next stages find it).
# The three stages, one command each (run from the repository root):
#   (a) python tools/train.py configs/cycada/svhn2mnist_stage_a_source_only.py
#         -> work_dirs/cycada_svhn2mnist_a/iter_10000.pth
#   (b) python tools/train.py configs/cycada/svhn2mnist_stage_b_cycada.py
#         (task_checkpoint = stage (a)'s checkpoint, frozen) -> work_dirs/cycada_svhn2mnist_b/iter_50000.pth
#       then translate SVHN into MNIST style once (resumable):
#       python tools/translate.py configs/cycada/svhn2mnist_stage_b_cycada.py \
#           work_dirs/cycada_svhn2mnist_b/iter_50000.pth --dataset train_dataloader.dataset.source \
#           --scale 28 28 --no-keep-size --out work_dirs/cycada_svhn2mnist_translated
#   (c) python tools/train.py configs/cycada/svhn2mnist_stage_c_adda.py
#         (ADDA on the translated SVHN images with their SVHN labels; evaluated on MNIST test)
# Published (CyCADA): SVHN -> MNIST 90.4.
_base_ = ["../source_only/svhn2mnist.py"]
work_dir = "work_dirs/cycada_svhn2mnist_a"
