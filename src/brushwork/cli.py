"""The `brushwork` command. Thin: it parses flags into Settings, calls the core, shows progress
and saves files. `main(argv)` returns the exit code; user errors print one line and return 2."""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

from . import __version__
from .errors import BrushworkError, Cancelled
from .settings import Settings, coerce, field_type
from .threads import add_threads_argument, use_threads

EXTENSIONS = ("brushwork.web.cli", "brushwork.fast.cli", "brushwork.evaluate.cli",
              "brushwork.batch.cli", "brushwork.inspect.cli")  # each offers register(subparsers)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field; defaults stay None so a preset's values show through."""
    groups = {}
    for f in fields(Settings):
        group = f.metadata.get("group", "style")
        if group not in groups:
            groups[group] = parser.add_argument_group(f"{group} settings")
        kind = field_type(f)
        metavar = {"str-list": "A,B", "float-list": "X,Y", "int": "N", "float": "X"}.get(kind, "VALUE")
        default = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
        groups[group].add_argument(flag(f.name), dest=f.name, default=None, choices=f.metadata.get("choices"),
                                   metavar=None if f.metadata.get("choices") else metavar,
                                   help=f"{f.metadata['help']} (default: {default})")


def settings_from_args(args) -> Settings:
    from .presets import preset

    by_name = {f.name: f for f in fields(Settings)}
    overrides = {name: coerce(by_name[name], getattr(args, name)) for name in by_name
                 if getattr(args, name, None) is not None}
    if getattr(args, "from_result", None):  # a result's embedded settings, then the flags given
        from .metadata import read_record, settings_from_record
        if args.preset:
            raise BrushworkError("use --preset or --from, not both")
        return settings_from_record(read_record(args.from_result)).replace(**overrides).validate()
    return preset(args.preset or "brushwork", **overrides)


def build_parser() -> argparse.ArgumentParser:
    from .presets import PRESETS

    parser = argparse.ArgumentParser(prog="brushwork", description="Neural style transfer studio.")
    parser.add_argument("--version", action="version", version=f"brushwork {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stylize", help="repaint a photo in the style of one or more paintings")
    p.add_argument("content", help="the photo to repaint")
    p.add_argument("styles", nargs="+", metavar="style", help="one or more style images")
    p.add_argument("-o", "--output", required=True, help="output file (.png, .jpg, .webp, ...)")
    p.add_argument("--preset", choices=sorted(PRESETS), help="starting settings (default: brushwork)")
    p.add_argument("--from", dest="from_result", metavar="RESULT",
                   help="start from the settings embedded in a brushwork result image (flags still override)")
    p.add_argument("--snapshot-dir", help="where snapshots go (default: OUTPUT_snapshots/ beside the output)")
    p.add_argument("--quality", type=quality, default=95, metavar="1-100", help="JPEG/WebP quality (default: 95)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_threads_argument(p)
    add_settings_arguments(p)
    p.set_defaults(func=cmd_stylize)

    p = sub.add_parser("demo", help="run the default recipe on generated images (no files needed)")
    p.add_argument("-o", "--output", default="brushwork-demo.png", help="output file (default: %(default)s)")
    p.add_argument("--size", type=int, default=384, help="long side in pixels (default: %(default)s)")
    p.add_argument("--iterations", type=int, default=None, help="steps (default: the default recipe's)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_threads_argument(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("backbones", help="list backbones, their layers and whether weights are present")
    p.add_argument("name", nargs="?", help="show only this backbone")
    p.set_defaults(func=cmd_backbones)

    p = sub.add_parser("presets", help="list presets and the settings they change")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("weights", help="fetch or list backbone weights")
    wsub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    w = wsub.add_parser("fetch", help="download and verify a backbone's weights into the cache")
    w.add_argument("name")
    w.set_defaults(func=cmd_weights_fetch)
    w = wsub.add_parser("list", help="where each backbone's weights are")
    w.set_defaults(func=cmd_weights_list)

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                continue  # that part of brushwork is not in this install
            raise
        module.register(sub)
    return parser


def quality(text: str) -> int:
    """argparse type for --quality: a whole number from 1 to 100."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 100, not '{text[:20]}'") from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be from 1 to 100, not {value}")
    return value


def main(argv=None) -> int:
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    shown, warnings.showwarning = warnings.showwarning, one_line_warning
    try:
        return args.func(args) or 0
    except BrushworkError as e:
        print(f"brushwork: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("brushwork: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = shown


def one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as `brushwork: warning: ...` lines above any progress bar, without source code."""
    from tqdm import tqdm

    tqdm.write(f"brushwork: warning: {str(message).splitlines()[0] if str(message) else category.__name__}",
               file=sys.stderr)


# --- stylize -----------------------------------------------------------------------------
def cmd_stylize(args) -> int:
    from .images import check_output_path

    settings = settings_from_args(args)
    out = check_output_path(args.output)
    if args.from_result:
        from .metadata import input_changes, read_record
        for change in input_changes(read_record(args.from_result), args.content, args.styles):
            print(f"brushwork: note: {change}", file=sys.stderr)
    use_threads(args.threads)
    snap_dir = Path(args.snapshot_dir) if args.snapshot_dir else out.with_name(out.stem + "_snapshots")
    code = run_and_save(args.content, args.styles, settings, out, snap_dir, args.quiet, args.quality)
    if code == 0 and not args.quiet:
        print(f"wrote {out}")
    return code


def run_and_save(content, styles, settings, out: Path, snap_dir: Path, quiet: bool, quality: int = 95,
                 partial: Path = None) -> int:
    """Run with a progress bar; Ctrl-C stops cleanly and keeps the image reached as `partial`
    (default OUT.partial)."""
    from .engine import stylize
    from .images import save_image
    from .metadata import make_record

    cancel, started = threading.Event(), time.perf_counter()
    record = make_record(settings, content, styles)  # embedded in every image this run writes
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set()) \
        if threading.current_thread() is threading.main_thread() else None
    progress = ProgressBar(settings, snap_dir, out, quiet, record)
    try:
        image = stylize(content, styles, settings, progress=progress, cancel=cancel)
    except Cancelled as c:
        progress.close()
        if c.image is not None:
            kept = save_image(c.image, partial or out.with_name(f"{out.stem}.partial{out.suffix}"), quality,
                              record | {"wall_time_s": round(time.perf_counter() - started, 3), "partial": True})
            print(f"brushwork: cancelled; the image so far is in {kept}", file=sys.stderr)
        return 130
    finally:
        progress.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    save_image(image, out, quality, record | {"wall_time_s": round(time.perf_counter() - started, 3)})
    return 0


class ProgressBar:
    """A tqdm bar that appears with the first report (so input errors are not preceded by one)
    and saves snapshots when the engine marks them."""

    def __init__(self, settings, snap_dir: Path, out: Path, quiet: bool, record=None):
        self.settings, self.snap_dir, self.out, self.quiet, self.bar = settings, snap_dir, out, quiet, None
        self.record = record

    def __call__(self, p):
        from .images import save_image
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=p.total, unit="it", disable=self.quiet, dynamic_ncols=True)
        self.bar.update(p.iteration - self.bar.n)
        terms = {k: f"{v:.3g}" for k, v in p.losses.items() if k != "total"}  # each active term by name
        self.bar.set_postfix(scale=f"{p.level + 1}/{p.levels}", **terms, refresh=False)
        if p.snapshot and p.image is not None:
            self.snap_dir.mkdir(parents=True, exist_ok=True)
            save_image(p.image, self.snap_dir / f"{self.out.stem}_{p.iteration:05d}.png",
                       metadata=self.record and self.record | {"iteration": p.iteration})

    def close(self):
        if self.bar is not None:
            self.bar.close()


# --- demo --------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from .demo import demo_images, triptych
    from .images import check_output_path, save_image
    from .settings import Settings

    out = check_output_path(args.output)
    changes = {"size": args.size} | ({"iterations": args.iterations} if args.iterations is not None else {})
    settings = Settings().replace(**changes).validate()
    use_threads(args.threads)
    content, style = demo_images(args.size)
    tmp = out.with_name(f".{out.stem}.result.png")
    code = run_and_save(content, [style], settings, tmp, out.with_name(out.stem + "_snapshots"), args.quiet,
                        partial=out.with_name(f"{out.stem}.partial{out.suffix}"))
    if code == 0:
        from PIL import Image
        from .metadata import read
        with Image.open(tmp) as result:
            save_image(triptych(content, style, result.copy()), out,
                       metadata=read(result) | {"layout": "content | style | result"})
        tmp.unlink()
        print(f"wrote {out} (content | style | result)")
    return code


# --- backbones, presets, weights ---------------------------------------------------------
def cmd_backbones(args) -> int:
    from .backbones import BACKBONES, describe_layers, spec
    from . import weights

    names = [spec(args.name).name] if args.name else list(BACKBONES)
    for name in names:
        found = weights.locate(name)
        status = f"weights: {found}" if found else f"weights: missing (brushwork weights fetch {name})"
        print(f"{name}  -  {BACKBONES[name].description}\n  {status}")
        layers, content, style = describe_layers(name)
        print(f"  default content: {','.join(content)}   default style: {','.join(style)}")
        print("  layers: " + "  ".join(f"{l.name}({l.channels}ch,/{l.stride})" for l in layers) + "\n")
    return 0


def cmd_presets(args) -> int:
    from .presets import PRESETS, preset_fields

    for name in PRESETS:
        changes = preset_fields(name)
        told = ", ".join(f"{k}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in changes.items())
        print(f"{name}: {told or 'the defaults (see brushwork stylize --help)'}")
    return 0


def cmd_weights_fetch(args) -> int:
    from . import weights

    print(f"{args.name}: {weights.fetch(args.name)}")
    return 0


def cmd_weights_list(args) -> int:
    from . import weights

    print(f"cache: {weights.cache_dir()}  (move it with ${weights.CACHE_ENV})")
    for name in weights.WEIGHTS:
        print(f"{name}: {weights.locate(name) or 'missing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
