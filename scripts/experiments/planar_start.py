#!/usr/bin/env python
"""Experiment (docs/quality.md, eleventh round; not part of brushwork): run scripts/quality_table.py
with the first level's start flattened into planes: the photo is cut into regions along its edges
(brushwork.repaint.segments) and each region's luminance is replaced (share PLANES, 0..1) by its
least-squares plane a + b*x + c*y, so house fronts start as flat facets with one tone gradient each.

    PLANES=1 python scripts/experiments/planar_start.py -c default --set seed=0 --name planes1 \\
        --only tubingen_seated_nude,tubingen_starry --out /tmp/q
"""
import os
import runpy
import sys
from pathlib import Path

import numpy as np
import torch

from brushwork import engine, images, repaint

MIX = float(os.environ.get("PLANES", "1"))
plain = engine.initial_image


def planar(start: torch.Tensor, labels) -> torch.Tensor:
    """`start` with each region's luminance moved MIX of the way to its least-squares plane."""
    yiq = images.rgb_to_yiq(start)
    y = yiq[0, 0].double().numpy()
    h, w = y.shape
    rows, cols = np.mgrid[0:h, 0:w]
    basis = np.stack([np.ones(h * w), cols.ravel() / w, rows.ravel() / h], 1)
    fit = np.empty(h * w)
    for k in np.unique(labels):
        inside = labels.ravel() == k
        coef, *_ = np.linalg.lstsq(basis[inside], y.ravel()[inside], rcond=None)
        fit[inside] = basis[inside] @ coef
    yiq[0, 0] = torch.lerp(yiq[0, 0], torch.as_tensor(fit.reshape(h, w), dtype=start.dtype), MIX)
    return images.yiq_to_rgb(yiq).clamp(0, 1)


def initial_image(s, content, generator, styles=(), job=None, blend=None):
    start = plain(s, content, generator, styles, job, blend)
    return planar(start, repaint.segments(content)) if styles else start


if __name__ == "__main__":
    engine.initial_image = initial_image
    sys.argv = ["quality_table.py"] + sys.argv[1:]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "quality_table.py"), run_name="__main__")
