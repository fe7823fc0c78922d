"""dareg: adversarial and GAN-based domain adaptation for computer vision, on mmengine."""

__version__ = "0.1.0"

__all__ = ["__version__"]
