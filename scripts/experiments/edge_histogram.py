#!/usr/bin/env python
"""Experiment (docs/quality.md, tenth round; not part of brushwork): run scripts/quality_table.py
with an edge-histogram term: the sorted gradient magnitudes of the luminance at EDGE_SCALES (1, 2
and 4 px) matched to the painting's (a 1-D Wasserstein distance, like the palette term), so the
image has the painting's share of flat areas and of strong edges. For the experiment it takes the
place of the match term and is weighed by match_weight, on every level.

    python scripts/experiments/edge_histogram.py -c default --set match_weight=20 --name edge20 \\
        --out /tmp/q --only tubingen_seated_nude,tubingen_shipwreck
"""
import os
import runpy
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from brushwork import terms
from brushwork.images import rgb_to_yiq

SCALES = tuple(int(v) for v in os.environ.get("EDGE_SCALES", "1,2,4").split(","))


def magnitudes(image, factor):
    y = rgb_to_yiq(image)[:, :1]
    y = F.avg_pool2d(y, factor) if factor > 1 else y
    dx, dy = y[..., :-1, 1:] - y[..., :-1, :-1], y[..., 1:, :-1] - y[..., :-1, :-1]
    return (dx.pow(2) + dy.pow(2) + 1e-8).sqrt().flatten()


def targets(ctx, content, styles, blend):
    return {f: torch.sort(magnitudes(styles[0], f))[0] for f in SCALES}


def loss(ctx, image, feats, target):
    total = 0.0
    for f, t in target.items():
        g = torch.sort(magnitudes(image, f))[0]
        if t.numel() != g.numel():
            t = F.interpolate(t[None, None], size=g.numel(), mode="linear", align_corners=True)[0, 0]
        total = total + (g - t).pow(2).mean() / t.pow(2).mean().clamp_min(1e-8)
    return total / len(target)


if __name__ == "__main__":
    edge = terms.Term("edge", "match_weight", loss=loss, targets=targets)
    terms.TERMS = tuple(edge if t.name == "match" else t for t in terms.TERMS)
    sys.argv = ["quality_table.py"] + sys.argv[1:]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "quality_table.py"), run_name="__main__")
