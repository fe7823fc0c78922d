# Source-only LeNet, usps -> mnist (ADDA's source network and pre-training schedule, evaluated on the
# target test split). ADDA reports source-only 57.1.
#   python tools/train.py configs/source_only/usps2mnist.py
_base_ = [
    "../_base_/datasets/usps2mnist.py",
    "../_base_/models/lenet_source_only.py",
    "../_base_/schedules/source_only_digits.py",
    "../_base_/default_runtime.py",
]
