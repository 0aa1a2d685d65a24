"""Unit patches (Zeiler and Fergus 2013; the deeplearning4j write-up): pick units (channels) of
a layer, by default the most active over the images, and for each find the image patches that
excite it most, each cropped to the unit's receptive field. One labelled grid, and the same as
JSON: unit, image, box (in the image's own pixels), activation and where the cell is."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Optional

import torch
from PIL import Image

from ..errors import BrushworkError
from .features import field_of, layer_features
from .geometry import Field
from .grids import Layout, render

GREY = (128, 128, 128)


@dataclass
class Patch:
    image: str
    box: tuple  # (x0, y0, x1, y1) in the image's own pixels, clipped to it
    activation: float
    position: tuple  # (y, x) of the unit in the layer's feature map
    cell: tuple = ()  # (x, y, width, height) in the grid image


@dataclass
class Unit:
    unit: int
    score: float  # mean over the images of the unit's strongest activation
    patches: list = field(default_factory=list)


@dataclass
class UnitReport:
    backbone: str
    layer: str
    field: int
    units: list
    grid: Optional[Image.Image] = None

    def to_dict(self) -> dict:
        return {"backbone": self.backbone, "layer": self.layer, "receptive_field": self.field,
                "units": [asdict(u) for u in self.units]}


def choose_units(maps: list, n: int, chosen=None) -> list:
    """(unit, score): the n units with the highest mean (over images) peak activation, or the
    `chosen` ones in the order given."""
    peaks = torch.stack([m.flatten(1).amax(1) for m in maps]).mean(0)
    if chosen:
        bad = [u for u in chosen if not 0 <= u < len(peaks)]
        if bad:
            raise BrushworkError(f"unit {bad[0]} does not exist: this layer has units 0 to {len(peaks) - 1}")
        return [(u, float(peaks[u])) for u in chosen]
    top = torch.topk(peaks, min(n, len(peaks)))
    return [(int(u), float(v)) for v, u in zip(top.values, top.indices)]


def strongest(maps: list, k: int, radius: int) -> list:
    """The k strongest (activation, image index, y, x) of single-channel maps [(h, w)], strongest
    first, skipping any within `radius` feature pixels (both ways) of a stronger one in the same
    image, so the patches are not near-copies of each other."""
    values = torch.cat([m.flatten() for m in maps])
    owner = torch.cat([torch.full((m.numel(),), i) for i, m in enumerate(maps)])
    start = torch.tensor([0] + [m.numel() for m in maps]).cumsum(0)
    picked = []
    for j in torch.argsort(values, descending=True, stable=True).tolist():
        i = int(owner[j])
        y, x = divmod(j - int(start[i]), maps[i].shape[1])
        if all(pi != i or max(abs(py - y), abs(px - x)) > radius for _, pi, py, px in picked):
            picked.append((float(values[j]), i, y, x))
            if len(picked) == k:
                break
    return picked


def suppression_radius(f: Field, h: int, w: int) -> int:
    return max(1, min(round(f.size / f.stride / 2), min(h, w) // 4))


def crop(im: Image.Image, box: tuple) -> Image.Image:
    """`box` of `im`, grey where it lies outside the image (the field centred on its unit)."""
    x0, y0, x1, y1 = box
    out = Image.new("RGB", (x1 - x0, y1 - y0), GREY)
    inside = (max(0, x0), max(0, y0), min(im.width, x1), min(im.height, y1))
    out.paste(im.crop(inside), (inside[0] - x0, inside[1] - y0))
    return out


def unit_patches(net, layer: str, images: list, units: int = 9, chosen=None, per_unit: int = 9,
                 size: int = 256, cell: int = 64) -> UnitReport:
    """`images` [(name, PIL RGB image)], looked at with their long side at `size` pixels."""
    if not images:
        raise BrushworkError("no images to look at")
    if units < 1 or per_unit < 1:
        raise BrushworkError("units and patches per unit must be at least 1")
    f = field_of(net, layer)
    looked = [layer_features(net, layer, im, size) for _, im in images]
    maps = [feats for feats, _ in looked]
    report = UnitReport(getattr(net, "name", "backbone"), layer, f.size, [])
    crops = {}
    for r, (u, score) in enumerate(choose_units(maps, units, chosen)):
        unit = Unit(u, score)
        radius = suppression_radius(f, *maps[0].shape[1:])
        for c, (value, i, y, x) in enumerate(strongest([m[u] for m in maps], per_unit, radius)):
            (name, original), small = images[i], looked[i][1]
            box = scaled(f.box(y, x, small.height, small.width, clip=False), original.width / small.width)
            crops[r, c] = crop(original, box)
            clipped = (max(0, box[0]), max(0, box[1]), min(original.width, box[2]), min(original.height, box[3]))
            unit.patches.append(Patch(name, clipped, value, (y, x)))
        report.units.append(unit)
    report.grid = draw(report, crops, cell)
    return report


def scaled(box: tuple, scale: float) -> tuple:
    x0, y0 = math.floor(box[0] * scale), math.floor(box[1] * scale)
    side = max(1, round((box[2] - box[0]) * scale))
    return x0, y0, x0 + side, y0 + side


def draw(report: UnitReport, crops: dict, cell: int) -> Image.Image:
    cols = max(len(u.patches) for u in report.units)
    layout = Layout(len(report.units), cols, (cell, cell), left=92, top=20, caption=14)
    for r, u in enumerate(report.units):
        for c, p in enumerate(u.patches):
            p.cell = layout.box(r, c)
    captions = {(r, c): f"{p.activation:.3g}" for r, u in enumerate(report.units) for c, p in enumerate(u.patches)}
    labels = [f"unit {u.unit}\npeak {u.score:.3g}" for u in report.units]
    title = f"{report.backbone} {report.layer}: strongest patches (field {report.field} px)"
    return render(layout, crops, labels, [], captions, title)
