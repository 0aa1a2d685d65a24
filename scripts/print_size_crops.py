"""Side-by-side pictures for docs/print-size.md: a 512 px result next to a large result scaled
down to 512 px, and 100% crops of the large result centred on tile borders (where seams would be).

    python scripts/print_size_crops.py SMALL.png LARGE.png OUT_PREFIX

Writes OUT_PREFIX-side.jpg and OUT_PREFIX-seams.jpg (JPEG 90: small enough for the repository). Use results made from the project's demo
images (benchmarks/bench_sizes.py --out DIR writes size-N.png)."""
from __future__ import annotations

import sys

from PIL import Image

from brushwork import tiles
from brushwork.demo import triptych

CROP = 256  # side of a 100% crop


def border_crops(large: Image.Image, n: int = 3) -> list:
    """Up to n crops centred where a column border meets a row border of the final level's tile
    cores (the middle of the blend between two tiles)."""
    rows = [r[0] for r in tiles.spans(large.height)[1:]] or [large.height // 2]
    cols = [c[0] for c in tiles.spans(large.width)[1:]] or [large.width // 2]
    centres = [(x, y) for y in rows for x in cols][:n]
    out = []
    for x, y in centres:
        box = (max(0, x - CROP // 2), max(0, y - CROP // 2))
        out.append(large.crop((*box, box[0] + CROP, box[1] + CROP)))
    return out


def main(small_path: str, large_path: str, prefix: str) -> None:
    small, large = Image.open(small_path).convert("RGB"), Image.open(large_path).convert("RGB")
    side = triptych(small, large.resize(small.size, Image.Resampling.LANCZOS))
    side.convert("RGB").save(f"{prefix}-side.jpg", quality=90)
    triptych(*border_crops(large)).convert("RGB").save(f"{prefix}-seams.jpg", quality=90)


if __name__ == "__main__":
    main(*sys.argv[1:4])
