"""One PNG that compares results: each result under its title, the settings that differ and the
scores beneath it, and the runs' total-loss curves overlaid at the bottom."""
from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

COLOURS = ["#3b4cca", "#e0662f", "#2e8b57", "#b03a8c", "#c9a227", "#2b9fb3"]
PAD, GAP, CHART_H = 16, 12, 220


def font(size: int):
    try:
        return ImageFont.load_default(size)
    except (TypeError, OSError):  # a Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def compare_sheet(results: list, titles: list, lines: list, curves: list, height: int = 320) -> Image.Image:
    """`results`: Pillow images; `titles`: one string each; `lines`: a list of text lines each;
    `curves`: [[iteration, total loss], ...] each. Returns an RGB image."""
    small, big = font(13), font(16)
    scaled = [im.convert("RGB").resize((max(1, min(2 * height, round(im.width * height / im.height))), height),
                                       Image.Resampling.LANCZOS) for im in results]
    col_w = [max(im.width, 220) for im in scaled]
    text_h = 18 * max((len(ls) for ls in lines), default=0)
    width = 2 * PAD + sum(col_w) + GAP * (len(scaled) - 1)
    sheet = Image.new("RGB", (width, PAD + 26 + height + 10 + text_h + GAP + CHART_H + PAD), "white")
    d = ImageDraw.Draw(sheet)
    x = PAD
    for i, (im, w) in enumerate(zip(scaled, col_w)):
        colour = COLOURS[i % len(COLOURS)]
        d.rectangle([x, PAD, x + 12, PAD + 12], fill=colour)
        d.text((x + 18, PAD - 2), titles[i], fill="#222", font=big)
        sheet.paste(im, (x, PAD + 26))
        for k, line in enumerate(lines[i]):
            d.text((x, PAD + 26 + height + 10 + 18 * k), line, fill="#333", font=small)
        x += w + GAP
    draw_curves(d, (PAD, sheet.height - PAD - CHART_H, width - PAD, sheet.height - PAD), curves, small)
    return sheet


def draw_curves(d: ImageDraw.ImageDraw, box: tuple, curves: list, small) -> None:
    """Total loss against iteration, log-scaled, one colour per run, in `box` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    d.rectangle(box, outline="#ccc")
    points = [[(it, v) for it, v in c if v and v > 0] for c in curves]
    values = [v for c in points for _, v in c]
    if not values:
        d.text((x0 + 8, y0 + 8), "no loss curves", fill="#888", font=small)
        return
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = hi if hi > lo else lo + 1
    last = max(it for c in points for it, _ in c) or 1
    inner = (x0 + 48, y0 + 8, x1 - 8, y1 - 20)

    def xy(it, v):
        return (inner[0] + (inner[2] - inner[0]) * it / last,
                inner[3] - (inner[3] - inner[1]) * (math.log10(v) - lo) / (hi - lo))
    for e in range(lo, hi + 1):
        y = xy(0, 10 ** e)[1]
        d.line([(inner[0], y), (inner[2], y)], fill="#eee")
        d.text((x0 + 6, y - 7), f"1e{e}", fill="#888", font=small)
    d.text((inner[0], y1 - 17), f"total loss per iteration (0 to {last})", fill="#888", font=small)
    for i, c in enumerate(points):
        if len(c) > 1:
            d.line([xy(it, v) for it, v in c], fill=COLOURS[i % len(COLOURS)], width=2)
