"""Fixtures that need no network and no third-party files: small generated images and small
randomly initialised VGG state dicts in torchvision's format."""
import numpy as np
import pytest
import torch
from PIL import Image

from brushwork.backbones.vgg import BLOCKS


def tiny_vgg_state(arch="vgg19", widths=(8, 8, 16, 16, 16), seed=0) -> dict:
    """torchvision-format keys (features.N.weight/bias, classifier.*) with narrow random layers."""
    g = torch.Generator().manual_seed(seed)
    state, index, in_ch = {}, 0, 3
    for convs, width in zip(BLOCKS[arch], widths):
        for _ in range(convs):
            state[f"features.{index}.weight"] = torch.randn(width, in_ch, 3, 3, generator=g) * (2 / (9 * in_ch)) ** .5
            state[f"features.{index}.bias"] = torch.zeros(width)
            in_ch, index = width, index + 2
        index += 1
    state["classifier.0.weight"] = torch.randn(4, in_ch, generator=g)
    state["classifier.0.bias"] = torch.zeros(4)
    return state


@pytest.fixture
def vgg19_weights(tmp_path):
    path = tmp_path / "vgg19-tiny.pth"
    torch.save(tiny_vgg_state("vgg19"), path)
    return path


@pytest.fixture
def vgg16_weights(tmp_path):
    path = tmp_path / "vgg16-tiny.pth"
    torch.save(tiny_vgg_state("vgg16"), path)
    return path


def gradient_image(w=48, h=36, seed=0) -> Image.Image:
    """A photo-like test image: smooth gradients plus a bright disc."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    a = np.stack([x, y, 1 - x * y], -1) * 200 + rng.normal(0, 8, (h, w, 3))
    a[(x - 0.5) ** 2 + (y - 0.3) ** 2 < 0.02] = (250, 230, 80)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def stripes_image(w=40, h=40, seed=1) -> Image.Image:
    """A style-like test image: coloured diagonal stripes."""
    y, x = np.mgrid[0:h, 0:w]
    band = ((x + y) // 4) % 3
    palette = np.array([[20, 40, 120], [240, 200, 40], [200, 60, 30]], dtype=np.uint8)
    return Image.fromarray(palette[band])


@pytest.fixture
def content_path(tmp_path):
    p = tmp_path / "content.png"
    gradient_image().save(p)
    return p


@pytest.fixture
def style_path(tmp_path):
    p = tmp_path / "style.jpg"
    stripes_image().save(p, quality=95)
    return p
