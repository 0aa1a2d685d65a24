"""Training photos: every file Pillow reads under a folder (recursively), as random square crops
with random flips. Unreadable files are skipped with a warning and counted."""
from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from .. import images
from ..errors import BrushworkError


def image_files(folder) -> list:
    """Sorted paths of files whose extension Pillow knows, anywhere under `folder`."""
    root = Path(folder)
    if not root.is_dir():
        raise BrushworkError(f"training images folder not found: {root}")
    known = {ext.lower() for ext in Image.registered_extensions()}
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in known
                  and not p.name.startswith("."))


def open_photo(path, min_side: int) -> Image.Image:
    """Decode `path` as RGB, using JPEG draft mode to decode big photos at a reduced size."""
    with Image.open(path) as im:
        im.draft("RGB", (min_side, min_side))
        im.load()
        return images.to_rgb(ImageOps.exif_transpose(im))


def random_crop(im: Image.Image, size: int, rng: random.Random) -> torch.Tensor:
    """A size x size crop at a random scale (short side 1 to 2 crop sizes), flipped half the time."""
    short = min(im.size)
    scale = rng.uniform(size, max(size, min(2 * size, short))) / short
    w, h = max(size, round(im.width * scale)), max(size, round(im.height * scale))
    im = im.resize((w, h), Image.Resampling.BILINEAR)
    x, y = rng.randint(0, w - size), rng.randint(0, h - size)
    im = im.crop((x, y, x + size, y + size))
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return images.to_tensor(im)[0]


class PhotoCrops:
    """An endless stream of (B, 3, S, S) batches from the photos under `folder`."""

    def __init__(self, folder, size: int, batch_size: int, seed: int = 0):
        self.files = image_files(folder)
        self.size, self.batch_size = size, batch_size
        self.rng = random.Random(seed)
        self.skipped = set()
        self.order, self.epoch = [], 0
        if not self.files:
            raise BrushworkError(f"no images found under {folder}")

    def load(self, path):
        try:
            return open_photo(path, self.size)
        except Exception as e:  # Pillow raises many kinds for damaged files
            if path not in self.skipped:
                warnings.warn(f"skipping unreadable image {path} ({e.__class__.__name__})", stacklevel=2)
            self.skipped.add(path)
            return None

    def next_path(self):
        if not self.order:
            usable = [p for p in self.files if p not in self.skipped]
            if not usable:
                raise BrushworkError(f"none of the {len(self.files)} image files could be read")
            self.order = self.rng.sample(usable, len(usable))
            self.epoch += 1
        return self.order.pop()

    def batch(self) -> torch.Tensor:
        crops = []
        while len(crops) < self.batch_size:
            im = self.load(self.next_path())
            if im is not None:
                crops.append(random_crop(im, self.size, self.rng))
        return torch.stack(crops)

    def steps_per_epoch(self) -> int:
        return max(1, -(-len(self.files) // self.batch_size))
