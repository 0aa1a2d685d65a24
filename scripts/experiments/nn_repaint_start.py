#!/usr/bin/env python
"""Experiment (docs/quality.md, ninth round; not part of brushwork): run scripts/quality_table.py
with the first level starting from a nearest-neighbour repaint of the photo (NNST-like).

Each position of the photo's NN_LAYER features takes the painting position whose feature vector
is nearest by cosine; the painting's RGB patch there (NN_K x the layer's stride wide) is pasted,
and overlapping patches are averaged. NN_BLEND=1 keeps the usual start's low frequencies (a
NN_SIGMA px Gaussian) under the repaint's detail. Tenth round (stop 27): NN_HANN=1 pastes each patch
under a Hann window, so overlapping patches cross-fade and the 8 px block grid is gone; NN_MIX is
the share of the repaint in the start (the rest is the usual start); NN_GUIDED=R smooths the repaint
with a guided filter of radius R following the start's edges; NN_FINE_C multiplies the content
weight at the levels after the first.

    NN_BLEND=1 python scripts/experiments/nn_repaint_start.py -c default --set seed=0 --name nn1 \\
        --out /tmp/q --only tubingen_seated_nude,tubingen_shipwreck
    NN_HANN=1 NN_MIX=0.5 NN_FINE_C=2 python scripts/experiments/nn_repaint_start.py -c default \\
        --set seed=0 --name nnh_m05_fc2 --out /tmp/q          # the tenth round's best
"""
import dataclasses
import os
import runpy
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from brushwork import engine, images, terms
from brushwork import repaint as brushwork_repaint

LAYER = os.environ.get("NN_LAYER", "block3_3")
BLEND = float(os.environ.get("NN_BLEND", "0"))
SIGMA = float(os.environ.get("NN_SIGMA", "6"))
K = int(os.environ.get("NN_K", "2"))
GUIDED = float(os.environ.get("NN_GUIDED", "0"))  # a guided filter's radius in px (0 = off)
EPS = float(os.environ.get("NN_EPS", "0.01"))
MIX = float(os.environ.get("NN_MIX", "1"))  # how much of the repaint replaces the usual start
HANN = os.environ.get("NN_HANN", "0") == "1"  # paste patches under a Hann window (no block edges)
FINE_C = float(os.environ.get("NN_FINE_C", "1"))  # content weight times this at the levels after the first
plain = engine.initial_image


def repaint(net, content, style, stride):
    fc, fs = net(content, (LAYER,))[LAYER], net(style, (LAYER,))[LAYER]
    (gh, gw), (sh, sw) = fc.shape[-2:], fs.shape[-2:]
    k, pad = K * stride, (K * stride - stride) // 2
    painting = F.interpolate(style, size=(sh * stride, sw * stride), mode="bilinear", align_corners=False)
    chosen = F.unfold(painting, k, padding=pad, stride=stride)[..., brushwork_repaint.nearest(fc, fs)]
    window = brushwork_repaint.hann(k) if HANN else torch.ones(k, k)  # Hann: patches cross-fade, no block edges
    window = window.reshape(1, k * k).repeat(painting.shape[1], 1).reshape(1, -1, 1)
    size = (gh * stride, gw * stride)
    out = F.fold(chosen * window, size, k, padding=pad, stride=stride) / \
        F.fold(torch.ones_like(chosen) * window, size, k, padding=pad, stride=stride).clamp_min(1e-6)
    return F.interpolate(out, size=content.shape[-2:], mode="bilinear", align_corners=False).clamp(0, 1)


def box(x, r):
    return F.avg_pool2d(F.pad(x, (r, r, r, r), mode="reflect"), 2 * r + 1, stride=1)


def guided(guide, src, r, eps):
    """He et al.'s guided filter with a grey guide: src's local means, following guide's edges."""
    g = guide.mean(1, keepdim=True)
    mg, ms = box(g, r), box(src, r)
    a = (box(g * src, r) - mg * ms) / (box(g * g, r) - mg * mg + eps)
    b = ms - a * mg
    return box(a, r) * g + box(b, r)


def initial_image(s, content, generator, styles=(), job=None, blend=None):
    start = plain(s, content, generator, styles, job, blend)
    if not styles:
        return start
    net = engine.cached_backbone(s.backbone, s.weights, s.pooling, str(content.device))
    stride = next(i.stride for i in net.info if i.name == LAYER)
    with torch.no_grad():
        nn = repaint(net, content, styles[0], stride)
    if GUIDED:
        nn = guided(start, nn, int(GUIDED), EPS).clamp(0, 1)
    nn = MIX * nn + (1 - MIX) * start
    if BLEND:
        nn = (images.gauss_blur(start, SIGMA) + nn - images.gauss_blur(nn, SIGMA)).clamp(0, 1)
    return nn


def for_level(job, level, _plain=terms.for_level):
    job = _plain(job, level)
    if level > 0 and FINE_C != 1:
        job = dataclasses.replace(job, settings=job.settings.replace(content_weight=job.settings.content_weight * FINE_C))
    return job


if __name__ == "__main__":
    engine.initial_image = initial_image
    terms.for_level = for_level
    sys.argv = ["quality_table.py"] + sys.argv[1:]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "quality_table.py"), run_name="__main__")
