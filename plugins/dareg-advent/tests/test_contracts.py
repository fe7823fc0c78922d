"""The plugin's components against dareg's public contracts (``dareg.testing``), and a smoke run.

The same checks dareg runs on its own components: built from configs by name, forward and backward
without NaN, ``state_dict`` round trips, each algorithm's ``train_spec`` held to a real
``train_step``, and a config trained for a few iterations with an exact resume.
"""

from __future__ import annotations

import torch
from advent_helpers import CONFIG_DIR, TINY_SEGMENTOR, two_domain_batch
from dareg.registry import DISCRIMINATORS
from dareg.testing import check_algorithm, check_component, check_loss, smoke_run


def test_entropy_loss_contract():
    value = check_loss(dict(type="EntropyLoss"), lambda: (torch.randn(2, 5, 4, 4),))
    assert 0 < value.item() < 1  # normalised entropy of random logits


def test_self_information_discriminator_contract():
    cfg = dict(type="SelfInformationDiscriminator", in_channels=5, discriminator=dict(type="FCDiscriminator"))
    check_component(DISCRIMINATORS, cfg, lambda: torch.softmax(torch.randn(1, 5, 32, 32), dim=1))


def test_minent_contract_and_train_spec():
    check_algorithm(dict(type="MinEnt", segmentor=TINY_SEGMENTOR), two_domain_batch())


def test_advent_contract_and_train_spec():
    check_algorithm(
        dict(type="AdvEnt", segmentor=TINY_SEGMENTOR, discriminator=dict(type="FCDiscriminator", base_channels=4)),
        two_domain_batch(),
    )


def test_minent_demo_config_trains_and_resumes_exactly(tmp_path):
    # timm's 0.4M-parameter ResNet; its 16-channel layers take BatchNorm (GroupNorm's 32 groups need 32+ channels)
    tiny = {"model.segmentor.backbone.model_name": "test_resnet", "model.segmentor.backbone.norm_layer": "batchnorm"}
    result = smoke_run(CONFIG_DIR / "minent_synthetic.py", tmp_path, iters=2, batch_size=1, cfg_options=tiny)
    assert {"train/loss_ent", "train/loss_seg"} <= set(result["logged"])
