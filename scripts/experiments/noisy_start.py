#!/usr/bin/env python
"""Experiment (docs/quality.md, tenth round; not part of brushwork): run scripts/quality_table.py
with noise mixed into the default start, the way the reference's random start lets the painting
decide where its tones and hues go.

NZ_R is the share of noise; NZ_SIGMA blurs the noise (px at the level) and rescales it to the
spread of plain uniform noise; NZ_BASE is 'default' (the faded colour-matched start) or 'content'
(the photo as it is, like `--init mix`).

    NZ_R=0.5 NZ_SIGMA=2 python scripts/experiments/noisy_start.py -c default --set content_weight=1.5 \\
        --name nzC --out /tmp/q --only tubingen_seated_nude,tubingen_shipwreck
"""
import os
import runpy
import sys
from pathlib import Path

import torch

from brushwork import engine, images

R = float(os.environ.get("NZ_R", "0.5"))
SIGMA = float(os.environ.get("NZ_SIGMA", "0"))
BASE = os.environ.get("NZ_BASE", "default")
plain = engine.initial_image


def initial_image(s, content, generator, styles=(), job=None, blend=None):
    start = plain(s, content, generator, styles, job, blend) if BASE == "default" else content.clone()
    noise = torch.rand(content.shape, generator=generator)
    if SIGMA:
        blurred = images.gauss_blur(noise - 0.5, SIGMA)
        noise = 0.5 + blurred * (noise.std() / blurred.std().clamp_min(1e-8))
    return ((1 - R) * start + R * noise).clamp(0, 1)


if __name__ == "__main__":
    engine.initial_image = initial_image
    sys.argv = ["quality_table.py"] + sys.argv[1:]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "quality_table.py"), run_name="__main__")
