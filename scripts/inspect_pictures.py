"""The pictures of docs/inspect.md, made from brushwork's own generated demo images, and the
one timing the issue asks for: the full reconstruction grid of the default backbone's style
layers at 256 px. Run: python scripts/inspect_pictures.py [--out docs/inspect]"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from PIL import Image

from brushwork.demo import demo_images
from brushwork.inspect.features import load_backbone
from brushwork.inspect.maps import feature_maps
from brushwork.inspect.netmap import model_map
from brushwork.inspect.reconstruction import reconstruct
from brushwork.inspect.svgmap import to_svg
from brushwork.inspect.units import unit_patches
from brushwork.settings import Settings


def small_png(im: Image.Image, path: Path, width: int) -> None:
    """Scaled to `width` and reduced to 128 colours so the docs stay light."""
    if im.width > width:
        im = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
    im.quantize(128, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/inspect")
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    net = load_backbone(Settings().backbone, device="cpu")
    content, style = demo_images(384)
    (out / "map.svg").write_text(to_svg(model_map()))
    pictures = [("landscape", content), ("swirls", style)]
    for layer in ("block1_1", "block4_4"):
        report = unit_patches(net, layer, pictures, units=6, per_unit=8, cell=56)
        small_png(report.grid, out / f"units-{layer}.png", 560)
    small_png(feature_maps(net, "block3_3", content, 11).grid, out / "maps-block3_3.png", 420)
    started, cpu = time.perf_counter(), time.process_time()
    rec = reconstruct(net, content, size=256, steps=args.steps,
                      on_cell=lambda c, r: print(f"  {c.kind} {c.layer}: loss {c.loss:.3f}, {c.seconds:.1f} s"))
    print(f"reconstruction grid ({len(rec.cells)} cells, {args.steps} steps each, 256 px): "
          f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
    small_png(rec.grid(), out / "reconstruct.png", 1100)


if __name__ == "__main__":
    main()
