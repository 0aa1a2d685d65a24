"""`brushwork batch`: many images, one recipe (an optimisation preset with any stylize flags, or a
trained fast model), locally or on Ray; `register(subparsers)` adds it to the main parser."""
from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

from ..errors import BrushworkError

FAST_SETTINGS = ("size", "strength", "preserve_color")  # what a fast recipe's rows may change
FORMATS = ("png", "jpg", "webp")


def register(subparsers) -> None:
    from ..cli import add_settings_arguments
    from ..presets import PRESETS

    p = subparsers.add_parser("batch", help="repaint many images (folders, globs, a manifest), resumably",
                              description="Repaint every content image in every style, locally or on Ray. "
                              "Run the same command again to finish what a crash or Ctrl-C left.")
    p.add_argument("inputs", metavar="INPUT", nargs="*", help="content images, folders or globs")
    p.add_argument("-s", "--style", dest="styles", action="append", default=[], metavar="STYLE",
                   help="a style image, folder or glob; repeat for more (every input in every style)")
    p.add_argument("--manifest", metavar="FILE", help="CSV or JSONL rows of content, style and any settings")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    p.add_argument("--model", help="a trained fast model (.pt or .onnx) instead of optimisation")
    p.add_argument("--strength", type=float, default=None, help="fast model: style strength 0..1 (default 1)")
    p.add_argument("--runtime", choices=("auto", "torch", "onnx"), default="auto", help="fast model runtime")
    p.add_argument("--preset", default="brushwork", choices=sorted(PRESETS), help="starting settings")
    p.add_argument("--format", choices=FORMATS, default="png", help="output format (default: png)")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default: 95)")
    p.add_argument("--results", metavar="FILE", help="results manifest (default: DIR/results.jsonl)")
    add_runner_arguments(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_settings_arguments(p)
    p.set_defaults(func=cmd_batch)


def add_runner_arguments(p, threads: bool = True) -> None:
    """Where the work runs: local processes, or a Ray cluster (threads=False: p has --threads)."""
    g = p.add_argument_group("where it runs")
    g.add_argument("--workers", type=int, default=0, help="local processes (default 0: one per core, "
                   "or one on a GPU)")
    if threads:
        g.add_argument("--threads", type=int, default=0, help="torch threads per local process "
                       "(default 0: cores / workers)")
    g.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on Ray: join ADDRESS (or $RAY_ADDRESS), else start a local Ray")
    g.add_argument("--num-cpus", type=float, default=1, help="Ray: CPUs per actor, also its torch threads")
    g.add_argument("--num-gpus", type=float, default=0, help="Ray: GPUs per actor")
    g.add_argument("--actors", type=int, default=0, help="Ray: actors (default 0: cluster CPUs / --num-cpus)")


def runner(args, recipe: dict, device: str = "cpu"):
    """The run_items function the flags ask for."""
    if args.ray is not None:
        from .ray_runner import run_ray
        return run_ray(recipe, args.ray or None, args.num_cpus, args.num_gpus, args.actors)
    from .run import default_workers, run_local
    if args.workers < 0 or args.threads < 0:
        raise BrushworkError("--workers and --threads must be 0 (automatic) or more")
    workers = args.workers or default_workers(device)
    cores = default_workers("cpu")
    return run_local(recipe, workers, args.threads or max(1, cores // workers))


def check_runner(args) -> None:
    if args.ray is not None:
        from .ray_runner import require_ray
        require_ray()  # before any planning: say how to install it


def cmd_batch(args) -> int:
    from .plan import cross, expand, plan, read_manifest
    from .run import execute

    check_runner(args)
    if not args.inputs and not args.manifest:
        raise BrushworkError("give INPUT images, folders or globs, or --manifest FILE")
    recipe, make_settings, device = fast_recipe(args) if args.model else optimise_recipe(args)
    styles = [args.model] if args.model else (expand(args.styles, "style") if args.styles else [])
    rows = cross(expand(args.inputs, "input"), styles) if args.inputs else []
    if args.manifest:
        rows += manifest_rows(read_manifest(args.manifest), styles, bool(args.model))
    if not rows:
        raise BrushworkError("give at least one --style image (or a style column in the manifest)")
    out = output_folder(args.output)
    items = plan(rows, out, make_settings, "." + args.format)
    summary = execute(items, runner(args, recipe, device), Path(args.results or out / "results.jsonl"), args.quiet)
    return report(summary, args.results or out / "results.jsonl")


def manifest_rows(rows, styles: list, fast: bool) -> list:
    """A fast model paints every row; other rows use their own style, else every --style."""
    out = []
    for where, content, style, overrides in rows:
        if fast or not style:
            if not styles:
                raise BrushworkError(f"{where}: no style (add a style column or give --style)")
            out += [(where, content, s, overrides) for s in styles]
        else:
            out.append((where, content, style, overrides))
    return out


def optimise_recipe(args) -> tuple:
    from ..cli import settings_from_args
    from ..settings import Settings

    base = settings_from_args(args).replace(snapshot_every=0, preview_every=0)
    for name in ("weights", "init_image"):  # actors elsewhere must find the same files
        if getattr(base, name):
            base = base.replace(**{name: str(Path(getattr(base, name)).resolve())})
    if args.strength is not None:
        raise BrushworkError("--strength applies to --model only")

    def make_settings(overrides: dict) -> dict:
        return Settings.from_dict({**base.to_dict(), **overrides}).to_dict()
    from ..engine import pick_device
    device = str(pick_device(base.device))  # auto with a GPU: one worker owns it
    return {"kind": "optimise", "settings": base.to_dict(), "quality": args.quality}, make_settings, device


def fast_recipe(args) -> tuple:
    from ..engine import pick_device
    from ..fast.apply import check_strength
    from ..settings import Settings

    if args.styles:
        raise BrushworkError("give either --style (optimisation) or --model (a trained network), not both")
    if not Path(args.model).is_file():
        raise BrushworkError(f"model not found: {args.model}")
    unused = [f.name for f in fields(Settings) if getattr(args, f.name, None) is not None
              and f.name not in FAST_SETTINGS + ("device",)]
    if unused:
        raise BrushworkError(f"--{unused[0].replace('_', '-')} applies to optimisation, not to --model")
    device = str(pick_device(args.device or "auto"))
    base = {"size": int(args.size) if args.size else None, "strength": 1.0 if args.strength is None
            else args.strength, "preserve_color": args.preserve_color or "none"}

    def make_settings(overrides: dict) -> dict:
        unknown = sorted(set(overrides) - set(FAST_SETTINGS))
        if unknown:
            raise BrushworkError(f"'{unknown[0]}' cannot be set per row for a fast model "
                                 f"(only {', '.join(FAST_SETTINGS)})")
        s = {**base, **overrides}
        check_strength(float(s["strength"]))
        if s["size"] is not None and int(s["size"]) < 16:
            raise BrushworkError(f"size must be at least 16, not {s['size']}")
        return s
    make_settings({})
    recipe = {"kind": "fast", "model": str(Path(args.model).resolve()), "runtime": args.runtime,
              "device": device, "quality": args.quality}
    return recipe, make_settings, device


def output_folder(path) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise BrushworkError(f"output must be a folder: {out}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BrushworkError(f"cannot make the output folder {out}: {e.strerror or e}") from None
    return out.resolve()


def report(summary, results) -> int:
    print(f"batch: {summary.line()}; results in {results}")
    for record in summary.failed[:5]:
        print(f"  failed: {record['input']} with {record['style']}: {record['error']}", file=sys.stderr)
    if len(summary.failed) > 5:
        print(f"  ... and {len(summary.failed) - 5} more (status \"failed\" in {results})", file=sys.stderr)
    return 1 if summary.failed else 0
