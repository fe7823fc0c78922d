"""dareg's public testing kit: for dareg's own tests and for plugin authors.

* Data: :func:`two_domain_batch` / :func:`domain_batch` (collated batches as training sees them),
  :class:`TinyDigitsDataset` (registered as ``TinyDigitsDataset``) and :func:`tiny_pair_dataset`.
* Models: :class:`TinySegmentor` (registered as ``TinySegmentor``), a two-convolution
  ``MultiLevelSegmentor`` for segmentation algorithms and configs.
* Contracts: :func:`check_component` (backbones, heads, generators, discriminators ...),
  :func:`check_loss`, :func:`check_algorithm` and :func:`check_train_spec`.
* Configs: :func:`smoke_run` trains a config for a few iterations and checks exact resume.
* Speed-benchmark baselines: :func:`check_baseline` holds an algorithm's plain PyTorch loop to its
  ``train_step`` (same start, same batches, same weights after).

Example, in a plugin's tests::

    from dareg.testing import check_algorithm, two_domain_batch

    def test_my_algorithm_contract():
        check_algorithm(dict(type="MyAlgorithm", ...), two_domain_batch(task="classification"))

    def test_my_segmentation_algorithm_contract():
        batch = two_domain_batch(channels=3, size=32, num_classes=8, task="segmentation")
        check_algorithm(dict(type="MySegAlgorithm", segmentor=dict(type="TinySegmentor"), ...), batch)
"""

from dareg.testing.baselines import check_baseline
from dareg.testing.contracts import (
    build_optim_wrapper,
    check_algorithm,
    check_component,
    check_loss,
    check_train_spec,
    perturb_ema_sources,
    record_steps,
    set_iteration,
    tensors,
)
from dareg.testing.data import TinyDigitsDataset, domain_batch, tiny_pair_dataset, two_domain_batch
from dareg.testing.segmentor import TinySegmentor
from dareg.testing.smoke import smoke_run

__all__ = [
    "TinyDigitsDataset",
    "TinySegmentor",
    "build_optim_wrapper",
    "check_algorithm",
    "check_baseline",
    "check_component",
    "check_loss",
    "check_train_spec",
    "domain_batch",
    "perturb_ema_sources",
    "record_steps",
    "set_iteration",
    "smoke_run",
    "tensors",
    "tiny_pair_dataset",
    "two_domain_batch",
]
