"""High-level API: training from configs (and, with the segmentation parts, inference)."""

from dareg.apis.train import apply_run_options, build_runner, train

__all__ = ["apply_run_options", "build_runner", "train"]
from dareg.apis.inference import inference_model, init_model  # noqa: E402,F401
__all__ += ["inference_model", "init_model"]
from dareg.apis.testing import apply_test_options, run_test  # noqa: E402,F401
__all__ += ["apply_test_options", "run_test"]
from dareg.apis.translate import build_translator, translate_dataset, translate_folder  # noqa: E402,F401

__all__ += ["build_translator", "translate_dataset", "translate_folder"]
