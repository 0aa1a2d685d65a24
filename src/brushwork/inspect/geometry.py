"""Receptive fields computed from a backbone's own modules: walking each stage's convolutions
and poolings in order gives, for every layer, the side of the square of input pixels that can
reach one unit, the step between neighbouring units and where unit (0, 0) is centred.

Skip connections (EfficientNet's inverted residuals) add an identity path whose field is
inside the convolution path's, so the convolution path decides. TensorFlow 'same' padding
depends on the input size; the figures here are exact when each side is a multiple of the
layer's stride (elsewhere the centre may be off by half a stride)."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
from torch import nn

from ..backbones import Backbone, create_backbone, spec
from ..backbones.efficientnet import SameConv
from ..backbones.vgg import BLOCKS, VGG, feature_keys
from ..errors import BrushworkError


@dataclass(frozen=True)
class Field:
    size: int  # side of the square of input pixels that can reach one unit
    stride: int  # input pixels between neighbouring units
    offset: float  # input coordinate of the centre of unit 0

    def centre(self, i: int) -> float:
        return self.offset + i * self.stride

    def box(self, y: int, x: int, height: int, width: int, clip: bool = True) -> tuple:
        """(x0, y0, x1, y1), end exclusive, of the input pixels unit (y, x) sees; clipped to
        an image of height x width unless clip is False."""
        half = (self.size - 1) / 2
        x0, y0 = round(self.centre(x) - half), round(self.centre(y) - half)
        box = (x0, y0, x0 + self.size, y0 + self.size)
        if not clip:
            return box
        return max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3])


def _step(module: nn.Module):
    """(kernel, stride, padding before) of a convolution or pooling, else None."""
    if isinstance(module, nn.Conv2d):
        k, s = module.dilation[0] * (module.kernel_size[0] - 1) + 1, module.stride[0]
        pad = (k - s) // 2 if isinstance(module, SameConv) else module.padding[0]
        return k, s, pad
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        as_int = lambda v: v if isinstance(v, int) else v[0]  # noqa: E731
        return as_int(module.kernel_size), as_int(module.stride), as_int(module.padding)
    return None


def receptive_fields(net: Backbone) -> dict:
    """{layer name: Field} for every layer of `net`, in order."""
    size, jump, offset, out = 1, 1, 0.0, {}
    for info, stage in zip(net.info, net.stages):
        for module in stage.modules():
            step = _step(module)
            if step is None:
                continue
            k, s, pad = step
            offset += ((k - 1) / 2 - pad) * jump
            size += (k - 1) * jump
            jump *= s
        out[info.name] = Field(size, jump, offset)
    return out


def _vgg_skeleton(arch: str) -> Backbone:
    """A one-channel VGG with the real layer plan: its geometry without the 500 MB of weights."""
    state, in_ch = {}, 3
    for key in feature_keys(arch):
        state[key] = torch.zeros(1, in_ch, 3, 3)
        state[key.replace("weight", "bias")] = torch.zeros(1)
        in_ch = 1
    return VGG(arch, state)


@functools.lru_cache(maxsize=8)
def backbone_fields(name: str) -> dict:
    """receptive_fields of the registered backbone `name`, loading no large weights."""
    spec(name)
    net = _vgg_skeleton(name) if name in BLOCKS else create_backbone(name, download=False)
    return receptive_fields(net)


def check_layer(net: Backbone, layer: str) -> None:
    """A one-line error naming every valid layer when `layer` is not one of `net`'s."""
    if layer not in net.layer_names:
        raise BrushworkError(unknown_layer(layer, getattr(net, "name", "this backbone"), net.layer_names))


def unknown_layer(layer: str, backbone: str, valid) -> str:
    return f"unknown layer '{layer}' for {backbone}; valid layers: {', '.join(valid)}"


def feature_size(field: Field, pixels: int) -> int:
    return max(1, math.ceil(pixels / field.stride))
