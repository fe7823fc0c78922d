"""Every algorithm's ``train_spec`` agrees with its real ``train_step`` (dareg.testing.check_algorithm).

A registered dareg algorithm without a ``train_spec`` or without a row in ``TINY`` fails here, so
``dareg info`` and the method pages cannot drift from the code.
"""

from __future__ import annotations

import pytest

from dareg.registry import ALGORITHMS
from dareg.testing import check_algorithm, two_domain_batch
from dareg.utils.config import load_config

GREY = dict(type="DomainDataPreprocessor", mean=[127.5], std=[127.5])
RGB = dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3)
LENET = dict(
    type="ImageClassifier",
    backbone=dict(type="LeNetEncoder", in_channels=1, image_size=28, dropout_ratio=0.0),
    head=dict(type="LinearClsHead", in_channels=500, num_classes=10),
)
ASPP = dict(type="ASPPClassifier", num_classes=4, dilations=(1, 2))
GREY_BATCH = dict(channels=1, size=28)
RGB16 = dict(channels=3, size=16, task="none")

def base_model(name: str) -> dict:
    """The ``model`` of an installed base config, without its ``type``."""
    model = load_config(name).model.to_dict()
    model.pop("type")
    return model


#: name -> (config, batch kwargs, iterations to run train_step at, optim_wrapper or None for SGD per spec key)
TINY = {
    "SourceOnly": (dict(task_model=LENET, data_preprocessor=GREY), GREY_BATCH, (0,), None),
    "ADDA": (
        dict(
            classifier=LENET,
            discriminator=dict(type="MLPDiscriminator", in_channels=500, hidden_channels=16),
            pretrain_iters=1,
            data_preprocessor=GREY,
        ),
        GREY_BATCH,
        (0, 1),  # phase 1, then phase 2
        None,
    ),
    "AdaptSegNet": (
        dict(
            segmentor=dict(
                type="MultiLevelSegmentor",
                backbone=dict(type="TimmBackbone", model_name="resnet10t", out_indices=(2, 3), output_stride=8),
                head=ASPP,
                auxiliary_head=ASPP,
                loss_weights=(0.1, 1.0),
            ),
            discriminator=dict(type="FCDiscriminator", in_channels=4, base_channels=4),
            data_preprocessor=RGB,
        ),
        dict(channels=3, size=32, task="segmentation", num_classes=4, batch_size=1),
        (0,),
        None,
    ),
    "PixelDA": (
        dict(
            generator=dict(type="PixelDAGenerator", num_res_blocks=1, base_channels=8, image_size=16),
            discriminator=dict(type="PixelDADiscriminator", channels=(8, 16, 16), image_size=16),
            task_model=dict(
                type="ImageClassifier",
                backbone=dict(type="PixelDATaskNet", image_size=16, feat_channels=16),
                head=dict(type="LinearClsHead", in_channels=16, num_classes=10),
            ),
            data_preprocessor=RGB,
        ),
        dict(channels=3, size=16),
        (0,),
        dict(
            generator=dict(optimizer=dict(type="SGD", lr=0.01)),
            discriminator=dict(modules=["discriminator", "task_model"], optimizer=dict(type="SGD", lr=0.01)),
        ),
    ),
    "CycleGAN": (
        dict(
            generator=dict(type="ResnetGenerator", base_channels=4, num_blocks=1),
            discriminator=dict(type="PatchDiscriminator", base_channels=4, num_layers=2),
            lambda_identity=0.5,
            data_preprocessor=RGB,
        ),
        RGB16,
        (0,),
        None,
    ),
    "CyCADA": (
        dict(
            generator=dict(type="ResnetGenerator", in_channels=1, out_channels=1, base_channels=4, num_blocks=1),
            discriminator=dict(type="PatchDiscriminator", in_channels=1, base_channels=4, num_layers=2),
            task_model=LENET,
            data_preprocessor=GREY,
        ),
        dict(channels=1, size=28),
        (0,),
        None,
    ),
    # the classification family: the models of their LeNet base configs, on 28x28 grey digits
    **{
        name: (base_model(f"dareg::_base_/models/{file}_lenet.py"), dict(GREY_BATCH, batch_size=4), (0,), None)
        for name, file in (("DANN", "dann"), ("CDAN", "cdan"), ("MCD", "mcd"), ("MDD", "mdd"))
    },
    "DiscoGAN": (
        dict(
            generator=dict(type="DiscoGANGenerator", base_channels=4),
            discriminator=dict(type="DiscoGANDiscriminator", base_channels=4),
            data_preprocessor=dict(type="DomainDataPreprocessor", mean=[0.0] * 3, std=[255.0] * 3),
        ),
        dict(channels=3, size=64, task="none"),
        (0,),
        None,
    ),
}


def dareg_algorithms() -> list[str]:
    return [n for n in ALGORITHMS.names() if ALGORITHMS.get(n).__module__.startswith("dareg.")]


@pytest.mark.parametrize("name", dareg_algorithms())
def test_train_spec_matches_a_real_train_step(name):
    cls = ALGORITHMS.get(name)
    assert cls.train_spec is not None, f"{name} declares no train_spec (dareg.algorithms.spec.TrainSpec)"
    if name not in TINY:
        pytest.fail(f"algorithm {name} has no row in TINY of {__file__}: add its smallest config")
    cfg, batch_kwargs, at_iters, optim_wrapper = TINY[name]
    batch = two_domain_batch(target_labels=batch_kwargs.get("task", "classification") != "none", **batch_kwargs)
    check_algorithm(dict(type=name, **cfg), batch, optim_wrapper=optim_wrapper, at_iters=at_iters)


def test_a_spec_that_disagrees_with_the_code_fails():
    """The check is not vacuous: a spec declaring other keys or missing a logged term is caught."""
    from dareg.algorithms.source_only import SourceOnly
    from dareg.algorithms.spec import TrainSpec

    cfg, batch_kwargs, _, _ = TINY["SourceOnly"]
    batch = two_domain_batch(target_labels=True, **batch_kwargs)

    class Misdeclared(SourceOnly):
        train_spec = TrainSpec(steps=[("task_model", "x")], logged={"loss_seg": "not what it logs"})

    with pytest.raises(AssertionError, match=r"logs \['loss_cls'\], not declared"):
        check_algorithm(dict(type=Misdeclared, **cfg), batch)

    class WrongOrder(SourceOnly):
        train_spec = TrainSpec(steps=[("discriminator", "x")], logged={"loss*": "x"})

    with pytest.raises(AssertionError, match="optimizer 'task_model' is stepped but not declared"):
        sgd = dict(task_model=dict(optimizer=dict(type="SGD", lr=0.1)))
        check_algorithm(dict(type=WrongOrder, **cfg), batch, optim_wrapper=sgd)


def test_a_sub_network_run_past_its_own_call_fails_the_contract():
    """check_algorithm holds algorithms to DDP's calling rule on one process: DANN's former forward is caught."""
    import torch

    from dareg.algorithms.dann import DANN
    from dareg.engine.sub_network_calls import SubNetworkBypassError

    class FormerDANN(DANN):
        def forward_domains(self, batch):
            source, target = batch["source"]["inputs"], batch["target"]["inputs"]
            features = self.classifier.extract_features(torch.cat([source, target]))
            return features, self.classifier.head(features), source.shape[0]

    cfg, batch_kwargs, _, _ = TINY["DANN"]
    batch = two_domain_batch(target_labels=True, **batch_kwargs)
    with pytest.raises(SubNetworkBypassError, match=r"`self\.classifier\.extract_features\(\.\.\.\)` ran `classifier"):
        check_algorithm(dict(type=FormerDANN, **cfg), batch)
