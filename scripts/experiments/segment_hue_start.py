#!/usr/bin/env python
"""Experiment (docs/quality.md, tenth round; not part of brushwork): run scripts/quality_table.py
with the default start tinted segment by segment: the photo is cut into regions that follow its
edges (Felzenszwalb's graph segmentation, so a flat sky stays one region), and each region's chroma
(the I and Q of YIQ) is moved toward the mean chroma of the nearest-neighbour repaint
(brushwork.repaint) over it. Luminance is untouched, so nothing of the painting's light and dark
is pasted; each house front can start in a different hue of the painting's, as the reference's do.

Needs scikit-image (`pip install scikit-image`), which brushwork itself does not depend on.
SEG_MIX is how far each region moves (0..1); SEG_SCALE and SEG_MIN are the segmentation's scale and
smallest region in pixels of the level; SEG_LUMA (0..1) also moves each region's mean luminance
toward the repaint's, keeping the photo's detail inside it.

    SEG_MIX=1 python scripts/experiments/segment_hue_start.py -c default --set seed=0 --name seg1 --out /tmp/q
"""
import os
import runpy
import sys
from pathlib import Path

from brushwork import engine, repaint

try:
    from skimage.segmentation import felzenszwalb
except ImportError:
    sys.exit("segment_hue_start.py needs scikit-image: pip install scikit-image")

MIX = float(os.environ.get("SEG_MIX", "1"))
SCALE = float(os.environ.get("SEG_SCALE", "100"))
MIN_SIZE = int(os.environ.get("SEG_MIN", "40"))
LUMA = float(os.environ.get("SEG_LUMA", "0"))  # how far each region's mean luminance moves to the repaint's
plain = engine.initial_image


def initial_image(s, content, generator, styles=(), job=None, blend=None):
    # The usual start without the built-in region start (its own segmentation is applied below); with
    # --set repaint=..., the repaint's light and dark mixed in.
    start = plain(s.replace(region_tone=0.0, region_hue=0.0), content, generator, styles, job, blend)
    if not styles:
        return start
    net = engine.cached_backbone(s.backbone, s.weights, s.pooling, str(content.device))
    painted = repaint.blended(net, net.default_match[0], content, styles, blend or (1.0,) * len(styles))
    labels = felzenszwalb(content[0].permute(1, 2, 0).numpy(), scale=SCALE, sigma=0.8, min_size=MIN_SIZE)
    return repaint.by_region(start, painted, labels, LUMA, MIX)  # brushwork's region start, this segmentation


if __name__ == "__main__":
    engine.initial_image = initial_image
    sys.argv = ["quality_table.py"] + sys.argv[1:]
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "quality_table.py"), run_name="__main__")
