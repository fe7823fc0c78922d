# Source-only LeNet, svhn -> mnist (ADDA's source network and pre-training schedule, evaluated on the
# target test split). ADDA reports source-only 60.1.
#   python tools/train.py configs/source_only/svhn2mnist.py
_base_ = [
    "../_base_/datasets/svhn2mnist.py",
    "../_base_/models/lenet_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
