"""ImagePool behaviour under a seeded generator, and the reference weight initialisation."""

from __future__ import annotations

import pytest
import torch
from mmengine.model import BaseModule
from torch import nn

from dareg.models.utils.image_pool import ImagePool
from dareg.models.utils.init import init_gan_weights


def _images(start: int, count: int) -> torch.Tensor:
    return torch.arange(start, start + count, dtype=torch.float32).view(count, 1, 1, 1).expand(count, 2, 2, 2)


def _ids(images: torch.Tensor) -> list[int]:
    return [int(v) for v in images[:, 0, 0, 0]]


def test_pool_fills_then_swaps_as_drawn_from_the_generator():
    pool = ImagePool(pool_size=4, generator=torch.Generator().manual_seed(3))
    assert _ids(pool(_images(0, 3))) == [0, 1, 2]  # filling: returned as is
    assert _ids(pool(_images(3, 1))) == [3] and int(pool.num_images) == 4
    out = _ids(pool(_images(10, 20)))
    # replay the same draws: swap when rand < 0.5, then a random stored index
    replay = torch.Generator().manual_seed(3)
    stored, expected = [0, 1, 2, 3], []
    for image in range(10, 30):
        if float(torch.rand(1, generator=replay)) < 0.5:
            index = int(torch.randint(0, 4, (1,), generator=replay))
            expected.append(stored[index])
            stored[index] = image
        else:
            expected.append(image)
    assert out == expected
    assert _ids(pool.images) == stored
    swapped = sum(a != b for a, b in zip(out, range(10, 30)))
    assert 0 < swapped < 20  # some swapped, some not


def test_pool_extremes_and_detach():
    x = torch.randn(3, 1, 2, 2, requires_grad=True)
    assert ImagePool(pool_size=0)(x) is not x and not ImagePool(pool_size=0)(x).requires_grad
    never = ImagePool(pool_size=1, swap_prob=0.0)
    never(_images(0, 1))
    assert _ids(never(_images(5, 3))) == [5, 6, 7]
    always = ImagePool(pool_size=1, swap_prob=1.0)
    always(_images(0, 1))
    assert _ids(always(_images(5, 3))) == [0, 5, 6]


def test_pool_state_dict_round_trip_resumes_identically():
    pool = ImagePool(pool_size=3, generator=torch.Generator().manual_seed(0))
    pool(_images(0, 5))
    state = pool.state_dict()
    assert set(state) == {"images", "num_images"} and state["images"].shape == (3, 2, 2, 2)
    fresh = ImagePool(pool_size=3, generator=torch.Generator().manual_seed(1))
    fresh.load_state_dict(state)
    pool.generator.manual_seed(9)
    fresh.generator.manual_seed(9)
    assert _ids(pool(_images(20, 6))) == _ids(fresh(_images(20, 6)))
    with pytest.raises(ValueError, match="queried with"):
        pool(torch.zeros(1, 3, 2, 2))


@torch.no_grad()
def test_init_types_follow_reference():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(16, 64, 3), nn.BatchNorm2d(64), nn.Linear(64, 64), nn.ConvTranspose2d(64, 32, 3))
    init_gan_weights(net, "normal", 0.02)
    assert abs(float(net[0].weight.std()) - 0.02) < 0.002 and float(net[0].bias.abs().max()) == 0
    assert abs(float(net[1].weight.mean()) - 1.0) < 0.01 and abs(float(net[1].weight.std()) - 0.02) < 0.01
    assert abs(float(net[3].weight.std()) - 0.02) < 0.002
    init_gan_weights(net, "orthogonal", 1.0)
    w = net[2].weight
    assert torch.allclose(w @ w.T, torch.eye(64), atol=1e-4)
    init_gan_weights(net, "xavier", 0.02)
    assert float(net[2].weight.std()) < 0.01
    init_gan_weights(net, "kaiming")
    assert abs(float(net[2].weight.std()) - (2 / 64) ** 0.5) < 0.03
    with pytest.raises(ValueError, match="init_type"):
        init_gan_weights(net, "uniform")


@torch.no_grad()
def test_gan_init_as_mmengine_init_cfg():
    class Net(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="dareg.GANInit", init_type="normal", gain=0.5))
            self.conv = nn.Conv2d(8, 64, 3)

    net = Net()
    net.init_weights()
    assert abs(float(net.conv.weight.std()) - 0.5) < 0.05 and float(net.conv.bias.abs().max()) == 0


def test_pool_keeps_its_dtype_under_mixed_precision():
    pool = ImagePool(pool_size=2, swap_prob=1.0, generator=torch.Generator().manual_seed(0))
    pool(torch.full((2, 1, 1, 1), 1.0 / 3))  # float32 history
    out = pool(torch.zeros(1, 1, 1, 1, dtype=torch.float16))
    assert out.dtype == torch.float16 and pool.images.dtype == torch.float32
    assert float(pool.images.min()) == 0.0 and float(pool.images.max()) == pytest.approx(1.0 / 3, abs=1e-7)
