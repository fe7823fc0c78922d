"""MixTransformer: the reference's MiT hyper-parameters, stage features, drop path, strict official weights.

The official layout is written out here from the reference code (DAFormer's copy of SegFormer's
``mix_transformer.py``), independently of segmentation-models-pytorch, so that a change of smp's
module names or shapes fails these tests.
"""

from __future__ import annotations

import functools

import pytest
import torch

from dareg.models.backbones.mix_transformer import MIT_ARCHS, MixTransformer
from dareg.registry import BACKBONES

#: arch -> (stage widths, stage depths), DAFormer mix_transformer.py:457-550 (mit_b0 ... mit_b5).
REFERENCE = {
    "mit_b0": ((32, 64, 160, 256), (2, 2, 2, 2)),
    "mit_b1": ((64, 128, 320, 512), (2, 2, 2, 2)),
    "mit_b2": ((64, 128, 320, 512), (3, 4, 6, 3)),
    "mit_b3": ((64, 128, 320, 512), (3, 4, 18, 3)),
    "mit_b4": ((64, 128, 320, 512), (3, 8, 27, 3)),
    "mit_b5": ((64, 128, 320, 512), (3, 6, 40, 3)),
}
HEADS = (1, 2, 5, 8)
SR_RATIOS = (8, 4, 2, 1)


def official_shapes(arch: str, num_classes: int = 1000) -> dict[str, tuple[int, ...]]:
    """Key -> shape of SegFormer's ImageNet file ``{arch}.pth``, classifier ``head.*`` included."""
    dims, depths = REFERENCE[arch]
    shapes: dict[str, tuple[int, ...]] = {}
    previous = 3
    for stage, (c, depth, sr) in enumerate(zip(dims, depths, SR_RATIOS), start=1):
        kernel = 7 if stage == 1 else 3
        shapes |= {
            f"patch_embed{stage}.proj.weight": (c, previous, kernel, kernel),
            f"patch_embed{stage}.proj.bias": (c,),
            f"patch_embed{stage}.norm.weight": (c,),
            f"patch_embed{stage}.norm.bias": (c,),
        }
        for i in range(depth):
            block = f"block{stage}.{i}."
            shapes |= {
                block + "norm1.weight": (c,),
                block + "norm1.bias": (c,),
                block + "attn.q.weight": (c, c),
                block + "attn.q.bias": (c,),
                block + "attn.kv.weight": (2 * c, c),
                block + "attn.kv.bias": (2 * c,),
                block + "attn.proj.weight": (c, c),
                block + "attn.proj.bias": (c,),
                block + "norm2.weight": (c,),
                block + "norm2.bias": (c,),
                block + "mlp.fc1.weight": (4 * c, c),
                block + "mlp.fc1.bias": (4 * c,),
                block + "mlp.dwconv.dwconv.weight": (4 * c, 1, 3, 3),
                block + "mlp.dwconv.dwconv.bias": (4 * c,),
                block + "mlp.fc2.weight": (c, 4 * c),
                block + "mlp.fc2.bias": (c,),
            }
            if sr > 1:
                shapes |= {
                    block + "attn.sr.weight": (c, c, sr, sr),
                    block + "attn.sr.bias": (c,),
                    block + "attn.norm.weight": (c,),
                    block + "attn.norm.bias": (c,),
                }
        shapes |= {f"norm{stage}.weight": (c,), f"norm{stage}.bias": (c,)}
        previous = c
    return shapes | {"head.weight": (num_classes, dims[-1]), "head.bias": (num_classes,)}


@functools.cache
def default_build(arch: str) -> MixTransformer:
    """One default encoder per arch for the whole module (MiT-B5 takes seconds to build); tests do not modify it."""
    return BACKBONES.build(dict(type="MixTransformer", arch=arch))


def official_file(arch: str, path, seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    state = {key: torch.randn(shape, generator=generator) for key, shape in official_shapes(arch).items()}
    torch.save(state, path)
    return state


@pytest.mark.parametrize("arch", MIT_ARCHS)
def test_hyper_parameters_and_stage_features_match_the_reference(arch):
    dims, depths = REFERENCE[arch]
    net = default_build(arch)
    encoder = net.encoder
    assert net.out_channels == list(dims) and net.reductions == [4, 8, 16, 32]
    for stage in range(4):
        blocks = getattr(encoder, f"block{stage + 1}")
        assert len(blocks) == depths[stage]
        attn = blocks[0].attn
        assert (attn.num_heads, attn.sr_ratio, attn.q.bias is not None) == (HEADS[stage], SR_RATIOS[stage], True)
        assert blocks[0].mlp.fc1.out_features == 4 * dims[stage]
        assert blocks[0].norm1.eps == getattr(encoder, f"norm{stage + 1}").eps == 1e-6
    features = net(torch.randn(2, 3, 64, 96))  # smp's [input, empty 1/2 placeholder] are not returned
    assert [tuple(f.shape) for f in features] == [(2, c, 64 // s, 96 // s) for c, s in zip(dims, (4, 8, 16, 32))]


def test_stochastic_depth_rises_linearly_to_the_rate_over_all_blocks():
    net = default_build("mit_b5")  # DAFormer: drop_path_rate 0.1 (mix_transformer.py:537-550)
    blocks = [block for stage in ("block1", "block2", "block3", "block4") for block in getattr(net.encoder, stage)]
    assert len(blocks) == 3 + 6 + 40 + 3
    assert isinstance(blocks[0].drop_path, torch.nn.Identity)
    rates = [block.drop_path.drop_prob for block in blocks[1:]]
    assert rates == pytest.approx([0.1 * i / 51 for i in range(1, 52)])
    none = MixTransformer("mit_b0", drop_path_rate=0.0)
    assert all(isinstance(block.drop_path, torch.nn.Identity) for block in [*none.encoder.block1, *none.encoder.block4])
    with pytest.raises(ValueError, match="drop_path_rate"):
        MixTransformer("mit_b0", drop_path_rate=1.0)


def test_official_file_loads_strictly_without_its_classifier(tmp_path):
    path = tmp_path / "mit_b0.pth"
    state = official_file("mit_b0", path)
    net = MixTransformer("mit_b0", checkpoint_path=str(path))
    net.init_weights()  # what the Runner calls before training
    loaded = net.encoder.state_dict()
    assert set(loaded) == set(state) - {"head.weight", "head.bias"}
    assert all(torch.equal(loaded[key], state[key]) for key in loaded)
    assert torch.equal(net(torch.ones(1, 3, 32, 32))[0], net(torch.ones(1, 3, 32, 32))[0])


def test_b5_module_names_and_shapes_are_the_reference_ones():
    shapes = {key: tuple(value.shape) for key, value in default_build("mit_b5").encoder.state_dict().items()}
    reference = official_shapes("mit_b5")
    del reference["head.weight"], reference["head.bias"]
    assert shapes == reference
    assert sum(torch.Size(s).numel() for s in shapes.values()) == 81_443_008  # SegFormer: "MiT-B5 82M"


def test_a_file_that_does_not_fit_is_refused_naming_keys_and_layout(tmp_path):
    path = tmp_path / "mit_b0.pth"
    state = official_file("mit_b0", path)
    net = MixTransformer("mit_b0", checkpoint_path=str(path))
    torch.save({**state, "block1.0.attn.extra": torch.zeros(1)}, path)
    with pytest.raises(KeyError, match=r"unexpected \['block1.0.attn.extra'\]"):
        net.init_weights()
    torch.save({key: value for key, value in state.items() if key != "norm4.bias"}, path)
    with pytest.raises(KeyError, match=r"missing \['norm4.bias'\]"):
        net.init_weights()
    torch.save({**state, "norm4.bias": torch.zeros(3)}, path)
    with pytest.raises(KeyError, match=r"other shapes \['norm4.bias'\]"):
        net.init_weights()
    mmseg_layout = {"layers.0.0.projection.weight": torch.zeros(32, 3, 7, 7)}
    torch.save(mmseg_layout, path)
    with pytest.raises(KeyError, match="mmsegmentation 1.x"):
        net.init_weights()
    with pytest.raises(FileNotFoundError, match="checkpoint_path.*mit_bX.pth"):
        MixTransformer("mit_b0", checkpoint_path=str(tmp_path / "absent.pth")).init_weights()


def test_stage_selection_and_bad_arguments():
    net = MixTransformer("mit_b0", out_indices=(-1, 1))
    assert (net.out_channels, net.reductions, net.stages) == ([256, 64], [32, 8], (3, 1))
    assert [f.shape[1] for f in net(torch.zeros(1, 3, 32, 32))] == [256, 64]
    with pytest.raises(ValueError, match="stages 0 to 3"):
        MixTransformer("mit_b0", out_indices=(4,))
    with pytest.raises(ValueError, match="mit_b5"):
        MixTransformer("mit_b6")
