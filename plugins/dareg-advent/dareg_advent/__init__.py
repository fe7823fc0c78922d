"""dareg-advent: ADVENT (Vu et al., CVPR 2019) for dareg, as a separately installed plugin.

Importing this package registers, into dareg's registries:

* ``LOSSES``: :class:`~dareg_advent.losses.EntropyLoss` and
  :class:`~dareg_advent.losses.SelfInformationMap`;
* ``DISCRIMINATORS``: :class:`~dareg_advent.discriminators.SelfInformationDiscriminator`;
* ``ALGORITHMS``: :class:`~dareg_advent.minent.MinEnt` and :class:`~dareg_advent.advent.AdvEnt`.

dareg imports it by itself through the entry point ``dareg.plugins: advent = dareg_advent``
declared in this package's ``pyproject.toml``; a config can also import it explicitly with
``custom_imports = dict(imports=["dareg_advent"], allow_failed_imports=False)``.
"""

from dareg_advent.advent import AdvEnt
from dareg_advent.discriminators import SelfInformationDiscriminator
from dareg_advent.losses import EntropyLoss, SelfInformationMap, self_information
from dareg_advent.minent import MinEnt

__version__ = "0.1.0"

__all__ = [
    "AdvEnt",
    "EntropyLoss",
    "MinEnt",
    "SelfInformationDiscriminator",
    "SelfInformationMap",
    "__version__",
    "self_information",
]
