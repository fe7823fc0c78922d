"""dareg.testing catches what it claims to: the checks fail on broken subjects (they are not vacuous)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dareg.registry import LOSSES
from dareg.testing import check_component, check_loss, domain_batch, two_domain_batch


class NaNHead(nn.Module):
    """Returns NaN."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x) * float("nan")


class UnsavedState(nn.Module):
    """Its output depends on a tensor that is not in its state_dict."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.offset = torch.randn(2)  # a plain attribute: not saved

    def forward(self, x):
        return self.fc(x) + self.offset


class DetachedLoss(nn.Module):
    """A loss that cuts the gradient."""

    def forward(self, x):
        return x.detach().pow(2).mean()


def test_batches_have_the_collated_layout():
    batch = two_domain_batch(batch_size=3, channels=3, size=(8, 6), task="segmentation", num_classes=4)
    assert batch["source"]["inputs"].shape == (3, 3, 8, 6) and batch["source"]["inputs"].dtype == torch.uint8
    assert batch["source"]["data_samples"]["gt_seg"].shape == (3, 8, 6)
    assert "gt_seg" not in batch["target"]["data_samples"]  # unlabelled target by default
    assert int(batch["source"]["data_samples"]["gt_seg"].max()) < 4
    labels = domain_batch(batch_size=16, num_classes=3)["data_samples"]["gt_label"]
    assert labels.shape == (16,) and set(labels.tolist()) <= {0, 1, 2}
    assert torch.equal(domain_batch(seed=5)["inputs"], domain_batch(seed=5)["inputs"])


def test_component_checks_fail_on_nan_and_on_state_outside_the_state_dict():
    with pytest.raises(AssertionError, match="NaN or inf in the outputs"):
        check_component("heads", dict(type=NaNHead), (2, 4))
    with pytest.raises(AssertionError, match="state_dict round trip changes outputs"):
        check_component("heads", dict(type=UnsavedState), (2, 4))
    check_component("heads", dict(type="LinearClsHead", in_channels=4, num_classes=2), (2, 4))


def test_loss_check_fails_when_no_gradient_reaches_the_inputs():
    with pytest.raises(AssertionError, match="no gradient reaches the inputs"):
        check_loss(dict(type=DetachedLoss), (3, 4))
    assert check_loss(dict(type="GANLoss", mode="lsgan"), lambda: (torch.randn(2, 1), 1.0)) > 0
    assert "DetachedLoss" not in LOSSES.names()  # classes passed as type are not registered
