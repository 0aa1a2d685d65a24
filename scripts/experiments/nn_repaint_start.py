#!/usr/bin/env python
"""Experiment (docs/quality.md, ninth round; not part of brushwork): run scripts/quality_table.py
with the first level starting from a nearest-neighbour repaint of the photo (NNST-like).

Each position of the photo's NN_LAYER features takes the painting position whose feature vector
is nearest by cosine; the painting's RGB patch there (NN_K x the layer's stride wide) is pasted,
and overlapping patches are averaged. NN_BLEND=1 keeps the usual start's low frequencies (a
NN_SIGMA px Gaussian) under the repaint's detail.

    NN_BLEND=1 python scripts/experiments/nn_repaint_start.py -c default --set seed=0 --name nn1 \\
        --out /tmp/q --only tubingen_seated_nude,tubingen_shipwreck
"""
import os
import runpy
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from brushwork import engine, images

LAYER = os.environ.get("NN_LAYER", "block3_3")
BLEND = float(os.environ.get("NN_BLEND", "0"))
SIGMA = float(os.environ.get("NN_SIGMA", "6"))
K = int(os.environ.get("NN_K", "2"))
plain = engine.initial_image


def repaint(net, content, style, stride):
    fc, fs = net(content, (LAYER,))[LAYER], net(style, (LAYER,))[LAYER]
    (gh, gw), (sh, sw) = fc.shape[-2:], fs.shape[-2:]
    c, s = F.normalize(fc.flatten(2)[0], dim=0), F.normalize(fs.flatten(2)[0], dim=0)
    nearest = (c.t() @ s).argmax(1)
    k, pad = K * stride, (K * stride - stride) // 2
    painting = F.interpolate(style, size=(sh * stride, sw * stride), mode="bilinear", align_corners=False)
    chosen = F.unfold(painting, k, padding=pad, stride=stride)[..., nearest]
    size = (gh * stride, gw * stride)
    out = F.fold(chosen, size, k, padding=pad, stride=stride) / \
        F.fold(torch.ones_like(chosen), size, k, padding=pad, stride=stride)
    return F.interpolate(out, size=content.shape[-2:], mode="bilinear", align_corners=False).clamp(0, 1)


def initial_image(s, content, generator, styles=()):
    start = plain(s, content, generator, styles)
    if not styles:
        return start
    net = engine.cached_backbone(s.backbone, s.weights, s.pooling, str(content.device))
    stride = next(i.stride for i in net.info if i.name == LAYER)
    with torch.no_grad():
        nn = repaint(net, content, styles[0], stride)
    if BLEND:
        nn = (images.gauss_blur(start, SIGMA) + nn - images.gauss_blur(nn, SIGMA)).clamp(0, 1)
    return nn


if __name__ == "__main__":
    engine.initial_image = initial_image
    sys.argv = ["quality_table.py"] + sys.argv[1:]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "quality_table.py"), run_name="__main__")
