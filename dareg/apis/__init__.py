"""High-level API: training and testing from configs, inference, and image translation."""

from dareg.apis.inference import inference_model, init_model
from dareg.apis.testing import apply_test_options, evaluate_checkpoint, run_test
from dareg.apis.train import apply_run_options, build_runner, train
from dareg.apis.translate import build_translator, translate_dataset, translate_folder

__all__ = [
    "apply_run_options",
    "apply_test_options",
    "build_runner",
    "build_translator",
    "evaluate_checkpoint",
    "inference_model",
    "init_model",
    "run_test",
    "train",
    "translate_dataset",
    "translate_folder",
]
