"""High-level API: training from configs (and, with the segmentation parts, inference)."""

from dareg.apis.train import apply_run_options, build_runner, train

__all__ = ["apply_run_options", "build_runner", "train"]
