"""Feature maps: the activation maps of a layer's most active channels (highest mean activation
over the image), each scaled to its own range and coloured, beside the image they come from."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image

from ..errors import BrushworkError
from .features import layer_features
from .grids import Layout, render

# A perceptually ordered dark-blue to yellow ramp (close to viridis), interpolated.
RAMP = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=np.float32)


def colourise(m: torch.Tensor) -> Image.Image:
    """A (h, w) map as an RGB image, its minimum dark and its maximum bright."""
    a = m.numpy().astype(np.float32)
    span = float(a.max() - a.min())
    t = (a - a.min()) / span if span > 0 else np.zeros_like(a)
    pos = t * (len(RAMP) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(RAMP) - 2)
    frac = (pos - lo)[..., None]
    rgb = RAMP[lo] * (1 - frac) + RAMP[lo + 1] * frac
    return Image.fromarray(rgb.round().astype(np.uint8))


@dataclass
class MapsReport:
    backbone: str
    layer: str
    shape: tuple  # (channels, height, width) of the layer's features
    channels: list = field(default_factory=list)  # {"channel", "mean", "max", "cell"}
    grid: Image.Image = None

    def to_dict(self) -> dict:
        return {"backbone": self.backbone, "layer": self.layer, "shape": list(self.shape),
                "channels": self.channels}


def most_active(feats: torch.Tensor, n: int) -> list:
    """Indices of the n channels with the highest mean activation, most active first."""
    return torch.topk(feats.flatten(1).mean(1), min(n, feats.shape[0])).indices.tolist()


def feature_maps(net, layer: str, image: Image.Image, n: int = 16, size: int = 256, cell: int = 96) -> MapsReport:
    if n < 1:
        raise BrushworkError("the number of channels must be at least 1")
    feats, small = layer_features(net, layer, image, size)
    chosen = most_active(feats, n)
    report = MapsReport(getattr(net, "name", "backbone"), layer, tuple(feats.shape))
    cols = min(len(chosen) + 1, max(4, math.ceil(math.sqrt(len(chosen) + 1))))
    h, w = feats.shape[1:]
    cell_size = (cell, max(8, round(cell * h / w))) if w >= h else (max(8, round(cell * w / h)), cell)
    layout = Layout(math.ceil((len(chosen) + 1) / cols), cols, cell_size, top=20, caption=14)
    cells, captions = {(0, 0): small}, {(0, 0): "image"}
    for k, ch in enumerate(chosen, start=1):
        r, c = divmod(k, cols)
        cells[r, c] = colourise(feats[ch]).resize(cell_size, Image.Resampling.NEAREST)
        captions[r, c] = f"ch {ch}"
        report.channels.append({"channel": ch, "mean": float(feats[ch].mean()), "max": float(feats[ch].max()),
                                "cell": list(layout.box(r, c))})
    title = f"{report.backbone} {layer}: {len(chosen)} most active of {feats.shape[0]} channels ({h}x{w})"
    report.grid = render(layout, cells, captions=captions, title=title, placeholders=False)
    return report
