"""Images drawn in code for `brushwork demo`, so the demo needs no file from anywhere: a small
landscape to repaint and a swirling brush-stroke 'painting' to take the style from."""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

PALETTE = [(18, 42, 110), (35, 80, 160), (250, 205, 60), (240, 140, 30), (20, 20, 40), (120, 170, 220)]


def landscape(width: int, height: int) -> Image.Image:
    """Sky, sun, two lines of hills, a house and trees."""
    y = np.linspace(0, 1, height)[:, None, None]
    sky = (1 - y) * np.array([90, 150, 230]) + y * np.array([200, 225, 250])
    im = Image.fromarray(np.broadcast_to(sky, (height, width, 3)).astype(np.uint8))
    d = ImageDraw.Draw(im)
    w, h = width, height
    d.ellipse([0.72 * w, 0.1 * h, 0.86 * w, 0.1 * h + 0.14 * w], fill=(255, 220, 120))
    for base, amp, colour in ((0.55, 0.08, (70, 130, 70)), (0.7, 0.05, (50, 105, 45))):
        pts = [(x, h * (base + amp * math.sin(x / w * 6.0 + base * 9))) for x in range(0, w + 8, 8)]
        d.polygon(pts + [(w, h), (0, h)], fill=colour)
    x0, y0, s = 0.22 * w, 0.6 * h, 0.16 * w
    d.rectangle([x0, y0, x0 + s, y0 + 0.8 * s], fill=(200, 80, 60))
    d.polygon([(x0 - 0.1 * s, y0), (x0 + 0.5 * s, y0 - 0.5 * s), (x0 + 1.1 * s, y0)], fill=(110, 50, 40))
    d.rectangle([x0 + 0.4 * s, y0 + 0.4 * s, x0 + 0.6 * s, y0 + 0.8 * s], fill=(70, 40, 30))
    for tx in (0.55, 0.63, 0.9):
        d.rectangle([tx * w - 3, 0.62 * h, tx * w + 3, 0.75 * h], fill=(90, 60, 30))
        d.ellipse([tx * w - 0.05 * w, 0.52 * h, tx * w + 0.05 * w, 0.66 * h], fill=(40, 110, 50))
    return im.filter(ImageFilter.GaussianBlur(0.6))


def swirls(width: int, height: int, seed: int = 0) -> Image.Image:
    """Thick strokes following a swirling flow field, in a bold night palette."""
    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (width, height), PALETTE[0])
    d = ImageDraw.Draw(im)
    centres = rng.uniform(0, 1, (5, 2)) * (width, height)
    for _ in range(int(width * height / 90)):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        colour = PALETTE[rng.integers(len(PALETTE))]
        pts = [(x, y)]
        for _ in range(12):
            cx, cy = centres[np.argmin(np.hypot(*(centres - (x, y)).T))]
            angle = math.atan2(y - cy, x - cx) + math.pi / 2
            x, y = x + 3 * math.cos(angle), y + 3 * math.sin(angle)
            pts.append((x, y))
        d.line(pts, fill=colour, width=max(2, width // 120))
    return im


def demo_images(size: int) -> tuple:
    """(content, style) at `size` on the long side."""
    return landscape(size, size * 3 // 4), swirls(size, size)


def triptych(*ims: Image.Image) -> Image.Image:
    """The images side by side at a common height, with a thin white gap."""
    h = min(im.height for im in ims)
    scaled = [im.resize((max(1, round(im.width * h / im.height)), h)) for im in ims]
    out = Image.new("RGB", (sum(im.width for im in scaled) + 8 * (len(ims) - 1), h), "white")
    x = 0
    for im in scaled:
        out.paste(im, (x, 0))
        x += im.width + 8
    return out
