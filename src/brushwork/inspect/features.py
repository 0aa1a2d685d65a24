"""What every view needs: images in, one layer's features out, with the backbone and its
receptive fields; and a folder walk for CLI arguments that may name folders."""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from .. import images
from ..backbones import Backbone
from ..errors import BrushworkError
from .geometry import check_layer, receptive_fields

MAX_IMAGES = 200


def load_backbone(name: str, weights=None, pooling: str = "max", device: str = "cpu") -> Backbone:
    from ..engine import cached_backbone, pick_device
    return cached_backbone(name, weights, pooling, str(pick_device(device)))


def image_paths(args) -> list:
    """Files named, and the image files anywhere under folders named, in order."""
    known = {ext.lower() for ext in Image.registered_extensions()}
    out = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in known
                           and not f.name.startswith("."))
            if not found:
                raise BrushworkError(f"no image files under {p}")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise BrushworkError(f"image not found: {p}")
    if len(out) > MAX_IMAGES:
        raise BrushworkError(f"{len(out)} images; at most {MAX_IMAGES} at once")
    return out


def layer_features(net: Backbone, layer: str, im: Image.Image, size: int) -> tuple:
    """(features (C, h, w), the image at `size` on its long side) for one RGB image."""
    check_layer(net, layer)
    small = images.resize_long(im, size)
    device = net.mean.device
    with torch.no_grad():
        feats = net(images.to_tensor(small, device), [layer])[layer][0].float().cpu()
    return feats, small


def field_of(net: Backbone, layer: str):
    check_layer(net, layer)
    return receptive_fields(net)[layer]
