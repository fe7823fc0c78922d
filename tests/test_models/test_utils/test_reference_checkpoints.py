"""Reference CycleGAN checkpoints load into dareg's modules and give the same outputs.

The reference networks below are written independently from the published layout of
junyanz/pytorch-CycleGAN-and-pix2pix (``networks.ResnetGenerator`` / ``NLayerDiscriminator``):
one ``nn.Sequential`` called ``model``, residual blocks holding ``conv_block``.
"""

from __future__ import annotations

import functools

import pytest
import torch
from fixtures.tools import load_tool
from fixtures.translation import single_thread
from torch import nn

from dareg.models.discriminators.patchgan import PatchDiscriminator
from dareg.models.generators.resnet_generator import ResnetGenerator
from dareg.models.utils.reference_checkpoints import convert_cyclegan_checkpoints, load_reference_network

IN = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)


class RefResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), IN(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), IN(dim),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class RefResnetGenerator(nn.Module):
    def __init__(self, input_nc=3, output_nc=3, ngf=8, n_blocks=2):
        super().__init__()
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=True), IN(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2**i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                      IN(ngf * mult * 2), nn.ReLU(True)]
        model += [RefResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                         bias=True), IN(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class RefNLayerDiscriminator(nn.Module):
    def __init__(self, input_nc=3, ndf=8, n_layers=3):
        super().__init__()
        seq = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=True), IN(ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2**n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=True), IN(ndf * mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


def _old_style(state: dict) -> dict:
    """Add the InstanceNorm statistics that checkpoints of old PyTorch versions hold, and a DataParallel prefix."""
    state = {f"module.{k}": v for k, v in state.items()}
    state["module.model.2.running_mean"] = torch.zeros(8)
    state["module.model.2.running_var"] = torch.ones(8)
    state["module.model.10.conv_block.2.num_batches_tracked"] = torch.tensor(0)
    return state


def test_reference_generator_and_patchgan_load_and_match(tmp_path):
    torch.manual_seed(0)
    ref_g, ref_d = RefResnetGenerator(ngf=8, n_blocks=2), RefNLayerDiscriminator(ndf=8)
    for p in list(ref_g.parameters()) + list(ref_d.parameters()):
        nn.init.normal_(p, 0, 0.1)
    torch.save(_old_style(ref_g.state_dict()), tmp_path / "latest_net_G_A.pth")
    torch.save(ref_d.state_dict(), tmp_path / "latest_net_D_A.pth")

    generator = ResnetGenerator(base_channels=8, num_blocks=2)
    ours_g = load_reference_network(generator, str(tmp_path / "latest_net_G_A.pth"))
    ours_d = load_reference_network(PatchDiscriminator(base_channels=8), str(tmp_path / "latest_net_D_A.pth"))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours_g(x), ref_g(x), atol=1e-6)
        assert torch.allclose(ours_d(x), ref_d(x), atol=1e-6)

    state = convert_cyclegan_checkpoints(
        {"G_A": str(tmp_path / "latest_net_G_A.pth"), "D_A": str(tmp_path / "latest_net_D_A.pth")}
    )
    assert "generators.a2b.model.26.weight" not in state  # 2 blocks: the last conv is model.19
    assert "generators.a2b.model.19.weight" in state and "discriminators.b.model.11.weight" in state
    assert not any("running" in k or "num_batches" in k for k in state)
    assert state["pools.a.images"].numel() == 0 and int(state["pools.b.num_images"]) == 0


def test_mismatched_options_are_explained(tmp_path):
    torch.save(RefResnetGenerator(ngf=8, n_blocks=2).state_dict(), tmp_path / "g.pth")
    with pytest.raises(RuntimeError, match="num_blocks"):
        load_reference_network(ResnetGenerator(base_channels=8, num_blocks=3), str(tmp_path / "g.pth"))


@pytest.fixture(autouse=True)
def _single_thread():
    """Every test of this module runs on one thread."""
    yield from single_thread()


def test_converter_tool_output_translates_like_the_reference(tmp_path):

    from dareg.apis.translate import build_translator

    torch.manual_seed(0)
    ref = {"G_A": RefResnetGenerator(ngf=8, n_blocks=2), "G_B": RefResnetGenerator(ngf=8, n_blocks=2)}
    ref["D_A"], ref["D_B"] = RefNLayerDiscriminator(ndf=8), RefNLayerDiscriminator(ndf=8)
    args = []
    for name, net in ref.items():
        torch.save(net.state_dict(), tmp_path / f"latest_net_{name}.pth")
        args += ["--" + name.lower().replace("_", "-"), str(tmp_path / f"latest_net_{name}.pth")]
    model = dict(
        type="CycleGAN",
        generator=dict(type="ResnetGenerator", base_channels=8, num_blocks=2),
        discriminator=dict(type="PatchDiscriminator", base_channels=8),
        data_preprocessor=dict(type="DomainDataPreprocessor", mean=[127.5] * 3, std=[127.5] * 3, bgr_to_rgb=True),
    )
    config = tmp_path / "cfg.py"
    config.write_text(f"model = {model!r}\n")
    tool = load_tool("convert/cyclegan_to_dareg.py")
    assert tool.main([str(tmp_path / "out.pth"), *args, "--config", str(config)]) == 0

    images = torch.randint(0, 256, (1, 3, 16, 20), dtype=torch.uint8)
    for direction, name in (("a2b", "G_A"), ("b2a", "G_B")):
        translator = build_translator(str(config), str(tmp_path / "out.pth"), direction)
        with torch.no_grad():
            expected = ref[name](images.flip(1).float() / 127.5 - 1)  # BGR -> RGB in [-1, 1]
        expected = ((expected + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).flip(1)
        assert torch.equal(translator(images), expected)
    state = torch.load(tmp_path / "out.pth", weights_only=True)["state_dict"]
    assert torch.equal(state["discriminators.b.model.0.weight"], ref["D_A"].model[0].weight)  # D_A judges B
    from dareg.registry import ALGORITHMS

    ALGORITHMS.build(model).load_state_dict(state, strict=True)  # a complete CycleGAN checkpoint (load_from)
