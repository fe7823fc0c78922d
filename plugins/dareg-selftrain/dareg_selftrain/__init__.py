"""dareg-selftrain: self-training for semantic segmentation (DACS, DAFormer, MIC) for dareg, as a plugin.

Importing this package registers, into dareg's ``ALGORITHMS``:

* :class:`~dareg_selftrain.dacs.DACS` (Tranheden et al., WACV 2021), with an optional output-space
  adversary (AdaptSegNet's discriminators) for adversarial and self-training together;
* :class:`~dareg_selftrain.daformer.DAFormer` (Hoyer et al., CVPR 2022): DACS with DAFormer's
  training strategies (EMA 0.999, batch-wide ClassMix, ignored border rows, feature distance);
* :class:`~dareg_selftrain.mic.MIC` (Hoyer et al., CVPR 2023): DAFormer plus the masked image
  consistency loss.

The parts they share with any self-training method (EMA teacher, pseudo-labels, ClassMix, masks,
colour jitter and blur, Rare Class Sampling, feature distance, MiT and the DAFormer head) are
dareg's. dareg imports this package by itself through the entry point
``dareg.plugins: selftrain = dareg_selftrain`` of this package's ``pyproject.toml``; a config can
also import it with ``custom_imports = dict(imports=["dareg_selftrain"], allow_failed_imports=False)``.
"""

from dareg_selftrain.dacs import DACS
from dareg_selftrain.daformer import DAFormer
from dareg_selftrain.mic import MIC

__version__ = "0.1.0"

__all__ = ["DACS", "DAFormer", "MIC", "__version__"]
