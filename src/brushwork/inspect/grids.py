"""Labelled grids of equal cells (Pillow): column labels on top, row labels at the left and an
optional caption under each cell. `Layout` says where every cell is, so callers can report it."""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

BACKGROUND, INK, GAP = (255, 255, 255), (40, 44, 60), 4


def font(size: int = 12):
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Layout:
    rows: int
    cols: int
    cell: tuple  # (width, height)
    left: int = 0  # width of the row labels
    top: int = 0  # height of the column labels
    caption: int = 0  # height of the caption under each cell

    def box(self, r: int, c: int) -> tuple:
        """(x, y, width, height) of cell (r, c) in the grid image."""
        w, h = self.cell
        return (self.left + GAP + c * (w + GAP), self.top + GAP + r * (h + self.caption + GAP), w, h)

    @property
    def size(self) -> tuple:
        w, h = self.cell
        return (self.left + GAP + self.cols * (w + GAP), self.top + GAP + self.rows * (h + self.caption + GAP))


def render(layout: Layout, cells: dict, row_labels=(), col_labels=(), captions=None, title: str = "",
           placeholders: bool = True) -> Image.Image:
    """The grid with `cells` {(r, c): PIL image, resized to the cell} pasted in; cells missing
    from the dict (not finished yet) are drawn as light placeholders, or left blank."""
    im = Image.new("RGB", layout.size, BACKGROUND)
    draw = ImageDraw.Draw(im)
    small = font(11)
    for r in range(layout.rows):
        for c in range(layout.cols):
            x, y, w, h = layout.box(r, c)
            if (r, c) in cells:
                im.paste(cells[r, c].convert("RGB").resize((w, h), Image.Resampling.LANCZOS), (x, y))
            elif placeholders:
                draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(236, 238, 244))
            if captions and (r, c) in captions:
                draw.text((x + w / 2, y + h + 1), captions[r, c], fill=INK, font=small, anchor="ma")
    for r, label in enumerate(row_labels):
        x, y, _, h = layout.box(r, 0)
        draw.multiline_text((GAP, y + h / 2), label, fill=INK, font=font(12), anchor="lm", spacing=2)
    for c, label in enumerate(col_labels):
        x, _, w, _ = layout.box(0, c)
        draw.text((x + w / 2, layout.top - 2), label, fill=INK, font=font(12), anchor="md")
    if title:
        draw.text((GAP, 2), title, fill=INK, font=font(12))
    return im
