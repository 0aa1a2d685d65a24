"""Gatys et al. 2015, Fig. 1: what a layer keeps of an image. For each layer, two images are
optimised from the same noise: one to match that layer's features (content reconstruction:
deep layers keep the arrangement but lose the pixels), one to match the Gram matrices of the
layers up to and including it (style reconstruction: texture at a growing scale).

The optimisation is L-BFGS, coarse to fine over three sizes (most steps on the small ones), so
the full grid for a backbone's five style layers stays within a couple of minutes on a small
CPU. Every cell starts from the same seeded noise, kept low (mid-grey +- 0.1, so what the
network cannot see stays grey instead of full-range static), and a light total-variation term (Mahendran and Vedaldi 2015) keeps out the pixel noise that
strided networks cannot see; tv=0 gives the plain Gatys objective. Cells are reported
as each finishes, and every step is reported for a progress bar."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch
from PIL import Image

from .. import images, losses
from ..engine import pyramid, split_iterations
from ..errors import BrushworkError, Cancelled
from .geometry import check_layer
from .grids import Layout, render

ROWS = ("content", "style")


@dataclass
class Cell:
    kind: str  # content or style
    layer: str
    row: int
    col: int
    image: Image.Image
    loss: float  # the relative distance reached at the last step
    seconds: float


@dataclass
class Reconstruction:
    backbone: str
    layers: tuple  # in network order
    size: tuple  # (width, height) of every cell
    steps: int  # per cell
    seed: int
    source: Image.Image
    cells: list = field(default_factory=list)

    @property
    def layout(self) -> Layout:
        return Layout(len(ROWS), len(self.layers) + 1, self.size, left=74, top=34)

    def grid(self) -> Image.Image:
        """The grid so far: the input in the first column, then one column per layer; cells
        not finished yet are placeholders."""
        cells = {(r, 0): self.source for r in range(len(ROWS))}
        cells.update({(c.row, c.col): c.image for c in self.cells})
        title = f"{self.backbone}: reconstructions from noise (seed {self.seed}, {self.steps} steps each)"
        return render(self.layout, cells, ["content\n(features of\nthe layer)", "style\n(Gram up to\nthe layer)"],
                      ["input", *self.layers], title=title)

    def to_dict(self) -> dict:
        return {"backbone": self.backbone, "layers": list(self.layers), "size": list(self.size),
                "steps": self.steps, "seed": self.seed,
                "cells": [{"kind": c.kind, "layer": c.layer, "loss": c.loss, "seconds": round(c.seconds, 2),
                           "cell": list(self.layout.box(c.row, c.col))} for c in self.cells]}


def in_network_order(net, layers) -> tuple:
    for name in layers:
        check_layer(net, name)
    order = net.layer_names
    return tuple(sorted(dict.fromkeys(layers), key=order.index))


LEVELS = 3
HALVING = 2.0  # each coarser level gets twice the steps of the next finer one: cheap coarse steps do the work
NOISE = 0.2  # peak-to-peak amplitude of the starting noise around mid-grey


def reconstruct(net, image: Image.Image, layers=None, size: int = 256, steps: int = 60, seed: int = 0,
                tv: float = 1.0, on_step: Optional[Callable] = None, on_cell: Optional[Callable] = None, cancel=None) -> Reconstruction:
    """All cells, content then style for each layer in network order. on_step(done, total) after
    every optimiser step; on_cell(cell, reconstruction) as each cell is finished; `cancel` (an
    Event or a callable) stops with Cancelled."""
    if steps < 1 or size < 16:
        raise BrushworkError("reconstruction needs at least 1 step and a size of at least 16 pixels")
    layers = in_network_order(net, layers or net.default_style)
    small = images.resize_long(images.load_image(image), size)
    rec = Reconstruction(getattr(net, "name", "backbone"), layers, small.size, steps, seed, small)
    total, done = 2 * len(layers) * steps, [0]

    def step():
        done[0] += 1
        if cancel is not None and (cancel.is_set() if hasattr(cancel, "is_set") else cancel()):
            raise Cancelled(rec.grid())
        if on_step:
            on_step(done[0], total)

    for col, layer in enumerate(layers, start=1):
        for row, kind in enumerate(ROWS):
            wanted = (layer,) if kind == "content" else layers[:col]
            started = time.perf_counter()
            result, loss = optimise_cell(net, small, wanted, kind, steps, seed, tv, step)
            cell = Cell(kind, layer, row, col, images.to_image(result), loss, time.perf_counter() - started)
            rec.cells.append(cell)
            if on_cell:
                on_cell(cell, rec)
    return rec


def targets(net, image: torch.Tensor, layers: tuple, kind: str) -> dict:
    with torch.no_grad():
        feats = net(image, layers)
    return feats if kind == "content" else {k: losses.gram(f) for k, f in feats.items()}


def cell_loss(net, x: torch.Tensor, wanted: dict, kind: str) -> torch.Tensor:
    """The relative distance to the layer's features (content) or the mean one to the Grams (style)."""
    feats = net(x, tuple(wanted))
    if kind == "content":
        return sum(losses.distance(feats[k], t) for k, t in wanted.items())
    return sum(losses.distance(losses.gram(feats[k]), t) for k, t in wanted.items()) / len(wanted)


def optimise_cell(net, source: Image.Image, layers: tuple, kind: str, steps: int, seed: int, tv: float,
                  step) -> tuple:
    """(image tensor, final loss) matching `layers` of `source` from the seed's noise."""
    device = net.mean.device
    full = images.to_tensor(source, device)
    sizes = pyramid(max(full.shape[-2:]), LEVELS if max(full.shape[-2:]) >= 64 else 1)
    noise = 0.5 + NOISE * (torch.rand(full.shape, generator=torch.Generator().manual_seed(seed)) - 0.5)
    noise = noise.to(device)
    x, loss = None, float("nan")
    for long_side, count in zip(sizes, split_iterations(steps, len(sizes), HALVING)):
        shape = (max(1, round(full.shape[-2] * long_side / max(full.shape[-2:]))),
                 max(1, round(full.shape[-1] * long_side / max(full.shape[-2:]))))
        target = targets(net, images.resize_tensor(full, shape), layers, kind)
        start = images.resize_tensor(noise, shape) if x is None else images.resize_tensor(x.clamp(0, 1), shape)
        x, loss = lbfgs(net, start, target, kind, tv, count, step)
    return x.detach().clamp(0, 1), loss


def lbfgs(net, start: torch.Tensor, target: dict, kind: str, tv: float, count: int, step) -> tuple:
    """`count` L-BFGS steps from `start`; (image, the feature loss alone at the last step)."""
    x = start.detach().clone().contiguous().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=1, history_size=50)
    last = [float("nan")]

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = cell_loss(net, x, target, kind)
        total = loss + tv * losses.tv_loss(x) if tv else loss
        total.backward()
        last[0] = float(loss.detach())
        return total

    for _ in range(count):
        opt.step(closure)
        step()
    return x, last[0]
