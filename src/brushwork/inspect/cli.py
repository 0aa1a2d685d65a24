"""`brushwork inspect map|units|reconstruct|maps`: what each layer of a backbone sees.
`register(subparsers)` adds the command; each view writes an image (and JSON beside it)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import BrushworkError, Cancelled
from ..settings import Settings


def register(subparsers) -> None:
    p = subparsers.add_parser("inspect", help="look inside the network: model map, unit patches, "
                              "reconstructions, feature maps",
                              description="What each layer of a backbone sees (see docs/inspect.md).")
    sub = p.add_subparsers(dest="view", required=True, metavar="VIEW")
    add_map(sub.add_parser("map", help="every layer with channels, stride and receptive field, and the "
                           "loss nodes the settings attach (text; SVG or JSON with -o)"))
    add_units(sub.add_parser("units", help="the image patches that excite single units of a layer most"))
    add_reconstruct(sub.add_parser("reconstruct", help="Gatys Fig. 1: content and style reconstructions "
                                   "from each layer, as a grid"))
    add_maps(sub.add_parser("maps", help="activation maps of a layer's most active channels"))


def network_arguments(p) -> None:
    d = Settings()
    p.add_argument("--backbone", default=d.backbone, help="feature network (default: %(default)s)")
    p.add_argument("--weights", help="weights file instead of the cached/packaged one")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="(default: %(default)s)")
    p.add_argument("--size", type=int, default=256, help="long side the images are looked at (default: %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def add_map(p) -> None:
    from ..cli import add_settings_arguments
    from ..presets import PRESETS

    p.add_argument("-o", "--output", help="also write the map as .svg or .json")
    p.add_argument("--preset", default="brushwork", choices=sorted(PRESETS), help="starting settings")
    add_settings_arguments(p)
    p.set_defaults(func=run_map)


def add_units(p) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER", help="images, or folders of images")
    p.add_argument("--layer", required=True, help="the layer whose units to show")
    p.add_argument("--units", type=int, default=9, help="how many of the most active units (default: %(default)s)")
    p.add_argument("--unit", help="these units instead (channel numbers, comma separated)")
    p.add_argument("--patches", type=int, default=9, help="patches per unit (default: %(default)s)")
    p.add_argument("-o", "--output", default="units.png", help="grid image; JSON beside it (default: %(default)s)")
    network_arguments(p)
    p.set_defaults(func=run_units)


def add_reconstruct(p) -> None:
    p.add_argument("image", help="the image to reconstruct")
    p.add_argument("--layers", help="layers, comma separated (default: the backbone's style layers)")
    p.add_argument("--steps", type=int, default=60, help="L-BFGS steps per cell (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="noise seed, the same for every cell (default: %(default)s)")
    p.add_argument("--tv", type=float, default=1.0, help="total-variation weight; 0 for Gatys' plain objective "
                   "(default: %(default)s)")
    p.add_argument("-o", "--output", default="reconstruct.png",
                   help="grid image, rewritten as each cell finishes; JSON beside it (default: %(default)s)")
    network_arguments(p)
    p.set_defaults(func=run_reconstruct)


def add_maps(p) -> None:
    p.add_argument("image", help="the image to look at")
    p.add_argument("--layer", required=True, help="the layer whose feature maps to show")
    p.add_argument("--channels", type=int, default=16, help="how many of the most active (default: %(default)s)")
    p.add_argument("-o", "--output", default="maps.png", help="grid image; JSON beside it (default: %(default)s)")
    network_arguments(p)
    p.set_defaults(func=run_maps)


# --- runners -------------------------------------------------------------------------------
def run_map(args) -> int:
    from ..cli import settings_from_args
    from .netmap import model_map, to_text
    from .svgmap import to_svg

    out = Path(args.output) if args.output else None
    if out is not None and out.suffix.lower() not in (".svg", ".json"):
        raise BrushworkError(f"cannot write the map as '{out.suffix or out.name}': use .svg or .json")
    m = model_map(settings_from_args(args))
    sys.stdout.write(to_text(m))
    if out is not None:
        write_text(out, to_svg(m) if out.suffix.lower() == ".svg" else json.dumps(m.to_dict(), indent=1))
        print(f"wrote {out}")
    return 0


def network(args):
    from .features import load_backbone

    if not 16 <= args.size <= 2048:
        raise BrushworkError(f"--size must be between 16 and 2048, not {args.size}")
    return load_backbone(args.backbone, args.weights, "max", args.device)


def run_units(args) -> int:
    from ..images import check_output_path, load_image
    from .features import image_paths
    from .units import unit_patches

    out = check_output_path(args.output)
    chosen = parse_ints(args.unit, "--unit") if args.unit else None
    paths = image_paths(args.images)
    net = network(args)
    report = unit_patches(net, args.layer, [(str(p), load_image(p)) for p in paths], args.units, chosen,
                          args.patches, args.size)
    save(report.grid, report.to_dict(), out, args.quiet)
    return 0


def run_maps(args) -> int:
    from ..images import check_output_path, load_image
    from .maps import feature_maps

    out = check_output_path(args.output)
    image = load_image(args.image)
    report = feature_maps(network(args), args.layer, image, args.channels, args.size)
    save(report.grid, report.to_dict(), out, args.quiet)
    return 0


def run_reconstruct(args) -> int:
    from tqdm import tqdm

    from ..images import check_output_path, load_image
    from .reconstruction import reconstruct

    out = check_output_path(args.output)
    image = load_image(args.image)
    net = network(args)
    layers = [l.strip() for l in args.layers.split(",") if l.strip()] if args.layers else None
    bar = tqdm(total=0, unit="step", disable=args.quiet, dynamic_ncols=True)

    def on_step(done, total):
        bar.total = total
        bar.update(done - bar.n)

    def on_cell(cell, rec):
        bar.set_postfix(cell=f"{cell.kind} {cell.layer}", loss=f"{cell.loss:.3g}", refresh=False)
        save(rec.grid(), rec.to_dict(), out, True)
    try:
        rec = reconstruct(net, image, layers, args.size, args.steps, args.seed, args.tv, on_step, on_cell)
    except Cancelled:
        bar.close()
        print(f"brushwork: cancelled; the cells finished so far are in {out}", file=sys.stderr)
        return 130
    bar.close()
    save(rec.grid(), rec.to_dict(), out, args.quiet)
    return 0


# --- helpers -------------------------------------------------------------------------------
def parse_ints(text: str, flag: str) -> list:
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise BrushworkError(f"{flag} must be whole numbers separated by commas, not '{text}'") from None


def save(grid, data: dict, out: Path, quiet: bool) -> None:
    from ..images import save_image

    save_image(grid, out)
    write_text(out.with_suffix(".json"), json.dumps(data, indent=1))
    if not quiet:
        print(f"wrote {out} and {out.with_suffix('.json')}")


def write_text(path: Path, text: str) -> None:
    import os
    import tempfile

    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise BrushworkError(f"output folder does not exist: {parent}")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.stem}.", suffix=path.suffix)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
