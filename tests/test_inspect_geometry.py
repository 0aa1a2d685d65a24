"""Receptive fields from the architecture against a gradient probe: the input pixels whose
gradient reaches one unit must fill exactly the square the geometry reports."""
import pytest
import torch

from brushwork.backbones import create_backbone
from brushwork.errors import BrushworkError
from brushwork.inspect.geometry import backbone_fields, check_layer, receptive_fields
from conftest import tiny_vgg_state


def probe_support(net, layer, size, y, x, tries=4):
    """(rows, cols) of input pixels with a non-zero gradient from unit (y, x) of `layer`,
    united over random inputs so dead ReLUs and max-pool routing do not hide any."""
    seen = torch.zeros(size, size, dtype=torch.bool)
    for seed in range(tries):
        image = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(seed)).requires_grad_()
        feats = net(image, [layer])[layer]
        signs = torch.randn(feats.shape[1], generator=torch.Generator().manual_seed(seed + 9))
        (feats[0, :, y, x] * signs).sum().backward()
        seen |= image.grad[0].abs().sum(0) > 0
    rows, cols = seen.any(1).nonzero().flatten(), seen.any(0).nonzero().flatten()
    return (int(rows[0]), int(rows[-1]) + 1), (int(cols[0]), int(cols[-1]) + 1)


def tiny_vgg(tmp_path, arch, pooling):
    path = tmp_path / f"{arch}.pth"
    torch.save(tiny_vgg_state(arch), path)
    return create_backbone(arch, str(path), pooling=pooling)


@pytest.mark.parametrize("arch,pooling", [("vgg16", "avg"), ("vgg19", "max")])
def test_vgg_fields_match_a_gradient_probe(tmp_path, arch, pooling):
    net, size = tiny_vgg(tmp_path, arch, pooling), 96
    fields = receptive_fields(net)
    for layer in ("relu1_2", "pool1", "relu2_1", "pool2", "relu3_3", "pool3", "relu4_1"):
        f = fields[layer]
        y = x = (size // f.stride) // 2
        x0, y0, x1, y1 = f.box(y, x, size, size)
        assert probe_support(net, layer, size, y, x) == ((y0, y1), (x0, x1)), layer
        assert f.box(y, x, size, size, clip=False) == (x0, y0, x1, y1), f"{layer}: the test needs an unclipped field"


def test_efficientnet_fields_match_a_gradient_probe():
    net, size = create_backbone("efficientnet-lite0", download=False), 128
    fields = receptive_fields(net)
    for layer in ("stem", "block1_1", "block2_1", "block2_2", "block3_1"):
        f = fields[layer]
        y = x = (size // f.stride) // 2
        x0, y0, x1, y1 = f.box(y, x, size, size)
        assert probe_support(net, layer, size, y, x) == ((y0, y1), (x0, x1)), layer


def test_fields_at_the_image_edge_are_clipped(tmp_path):
    net = tiny_vgg(tmp_path, "vgg16", "avg")
    f = receptive_fields(net)["relu3_1"]
    assert probe_support(net, "relu3_1", 64, 0, 0) == ((0, f.box(0, 0, 64, 64)[3]), (0, f.box(0, 0, 64, 64)[2]))


def test_published_vgg16_fields_and_every_backbone_has_one_per_layer():
    fields = backbone_fields("vgg16")
    assert (fields["conv5_3"].size, fields["pool5"].size, fields["pool5"].stride) == (196, 212, 32)
    for name in ("vgg19", "efficientnet-lite0", "efficientnet-lite1"):
        sizes = [f.size for f in backbone_fields(name).values()]
        assert sizes == sorted(sizes) and len(sizes) > 5


def test_unknown_layer_lists_the_valid_ones(tmp_path):
    net = tiny_vgg(tmp_path, "vgg16", "max")
    with pytest.raises(BrushworkError, match=r"unknown layer 'relu9_9' for vgg16; valid layers: conv1_1, relu1_1"):
        check_layer(net, "relu9_9")
