"""Training photos for users who have none: the colour photos that some Python packages ship in
their wheels (found on disk, nothing downloaded), and pictures drawn in code. `brushwork photos DIR`
writes both into a folder for `brushwork train --images DIR`; docs/fast.md measures what each is worth."""
from __future__ import annotations

import colorsys
import importlib.util
import math
import random
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .. import images

# (package, folder inside it, colour photos there): the scenes, people, animals and objects in the
# wheels of scikit-image, scikit-learn and matplotlib (their text, charts, greyscale and synthetic
# images left out). Installing the packages is enough: `pip install scikit-image scikit-learn matplotlib`.
SAMPLE_PHOTOS = (
    ("skimage", "data", ("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png",
                         "motorcycle_right.png", "rocket.jpg", "hubble_deep_field.jpg", "retina.jpg", "ihc.png")),
    ("sklearn", "datasets/images", ("china.jpg", "flower.jpg")),
    ("matplotlib", "mpl-data/sample_data", ("grace_hopper.jpg",)),
)


def package_folder(name: str):
    """The folder of an installed package, without importing it; None when it is not installed."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def sample_photos(table=None) -> list:
    """Paths of the sample photos that the installed packages ship (an empty list without them)."""
    found = []
    for package, sub, names in table or SAMPLE_PHOTOS:
        root = package_folder(package)
        if root is not None:
            found += [root / sub / n for n in names if (root / sub / n).is_file()]
    return found


def _colour(rng: random.Random) -> tuple:
    """A colour as photos have them: mostly muted, now and then bright."""
    rgb = colorsys.hsv_to_rgb(rng.random(), rng.betavariate(1.2, 2.5), rng.betavariate(2, 1.6))
    return tuple(int(255 * c) for c in rgb)


def _jitter(colour: tuple, rng: random.Random, amount: int = 25) -> tuple:
    return tuple(max(0, min(255, v + rng.randint(-amount, amount))) for v in colour)


def generated_picture(size: int, seed: int) -> Image.Image:
    """A size x size 'dead leaves' picture (Matheron; Lee, Mumford and Huang 2001): occluding
    ellipses, boxes and polygons with log-uniform sizes on a graded sky, in a five-colour palette,
    lightly blurred and noisy. It has the edges, occlusions and flat areas of a photo at every
    scale, though none of its textures or objects."""
    rng = random.Random(seed)
    top, bottom = np.array(_colour(rng)), np.array(_colour(rng))
    y = np.linspace(0, 1, size)[:, None, None]
    im = Image.fromarray(np.repeat((1 - y) * top + y * bottom, size, 1).astype(np.uint8))
    draw, palette = ImageDraw.Draw(im), [_colour(rng) for _ in range(5)]
    low, high = size / 60, size / 1.5
    for r in sorted((low * (high / low) ** rng.random() for _ in range(rng.randint(150, 350))), reverse=True):
        _shape(draw, rng, r, rng.uniform(-r, size + r), rng.uniform(-r, size + r), _jitter(rng.choice(palette), rng))
    im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    a = np.asarray(im, np.float32)
    a = a + np.random.default_rng(seed).normal(0, rng.uniform(1, 6), a.shape[:2])[..., None]  # sensor grain
    return Image.fromarray(a.clip(0, 255).astype(np.uint8))


def _shape(draw, rng: random.Random, r: float, x: float, y: float, fill: tuple) -> None:
    kind = rng.random()
    if kind < 0.45:
        a = rng.uniform(0.4, 1.0)
        draw.ellipse([x - r, y - a * r, x + r, y + a * r], fill=fill)
    elif kind < 0.8:
        draw.rectangle([x - r, y - rng.uniform(0.2, 1.5) * r, x + r, y + r], fill=fill)
    else:
        angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(rng.randint(3, 6)))
        draw.polygon([(x + r * rng.uniform(0.5, 1) * math.cos(t), y + r * rng.uniform(0.5, 1) * math.sin(t))
                      for t in angles], fill=fill)


def write_photos(folder, generated: int = 0, samples: bool = True, size: int = 512, seed: int = 0) -> tuple:
    """Fill `folder` with the installed packages' sample photos (copied, when `samples`) and
    `generated` generated pictures; (samples copied, pictures generated)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    copied = sample_photos() if samples else []
    for path in copied:
        shutil.copyfile(path, out / path.name)  # the names in SAMPLE_PHOTOS are unique
    for i in range(generated):
        images.save_image(generated_picture(size, seed + i), out / f"generated-{i:04d}.png")
    return len(copied), generated
