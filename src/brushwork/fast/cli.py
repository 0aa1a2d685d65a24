"""`brushwork train`, `brushwork photos`, `brushwork apply` and `brushwork video`: `register(subparsers)` adds them to
the main argparse parser; each subcommand's `func(args)` returns an exit code."""
from __future__ import annotations

from dataclasses import fields

from ..errors import BrushworkError
from .apply import RUNTIMES, apply_paths, check_size, check_strength, load_runner, stylise
from .settings import TrainSettings

SKIP = {"style_image", "images"}  # given as the STYLE argument and --images
PHOTOS_WANTED = 12  # `brushwork photos` tops the sample photos up to this many with generated ones


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def register(subparsers) -> None:
    add_train(subparsers.add_parser("train", help="train a fast style network for one style image",
                                    description="Train a feed-forward style network (Johnson et al. 2016)."))
    add_photos(subparsers.add_parser("photos", help="fill a folder with training photos when you have none",
                                     description="Copy the sample photos that installed packages ship "
                                     "(scikit-image, scikit-learn, matplotlib) and add generated pictures."))
    add_apply(subparsers.add_parser("apply", help="repaint images with a trained style network",
                                    description="Repaint images or folders with a trained style network."))
    add_video(subparsers.add_parser("video", help="repaint a video frame by frame",
                                    description="Repaint a video with a style network (or by optimisation)."))


def add_train(p) -> None:
    p.add_argument("style", metavar="STYLE", help="style image")
    p.add_argument("--images", required=True, metavar="DIR", help="folder of training photos (recursive)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write (.pt)")
    p.add_argument("--resume", metavar="CHECKPOINT", help="go on from a checkpoint (its settings, "
                   "changed only by the flags given here)")
    for f in fields(TrainSettings):
        if f.name not in SKIP:
            p.add_argument(flag(f.name), dest=f.name, default=None, choices=f.metadata.get("choices"),
                           help=f"{f.metadata['help']} (default: {f.default})")
    p.set_defaults(func=run_train)


def train_settings(args) -> TrainSettings:
    given = {f.name: getattr(args, f.name) for f in fields(TrainSettings)
             if f.name not in SKIP and getattr(args, f.name) is not None}
    given.update(style_image=args.style, images=args.images)
    if args.resume:
        from .checkpoint import read
        return TrainSettings.from_dict({**read(args.resume)["settings"], **given})
    return TrainSettings.from_dict(given)


def run_train(args) -> int:
    from tqdm import tqdm

    from .train import train

    from .data import image_files

    s = train_settings(args)
    if not image_files(s.images):  # report a missing or empty folder before any progress bar
        raise BrushworkError(f"no images found under {s.images} (no photos? `brushwork photos {s.images}` "
                             "fills it with sample and generated ones)")
    with tqdm(unit="step", desc="training", dynamic_ncols=True) as bar:
        def progress(p):
            bar.total = p.total
            bar.n = p.step
            bar.set_postfix({k: f"{v:.3g}" for k, v in p.losses.items()}, refresh=False)
            bar.update(0)
            if p.checkpoint:
                bar.write(f"step {p.step}: saved {p.checkpoint}" + (f", preview {p.preview}" if p.preview else ""))
            if p.skipped and p.step == 1:
                bar.write(f"{p.skipped} unreadable image file(s) skipped")
        out = train(s, args.output, resume=args.resume, progress=progress)
    print(f"wrote {out}")
    return 0


def add_photos(p) -> None:
    p.add_argument("folder", metavar="DIR", help="folder to write the photos into (made if missing)")
    p.add_argument("--generated", type=int, default=None, metavar="N", help="generated pictures to add "
                   f"(default: enough for {PHOTOS_WANTED} pictures in all)")
    p.add_argument("--no-samples", action="store_true", help="only generated pictures")
    p.set_defaults(func=run_photos)


def run_photos(args) -> int:
    from .photos import sample_photos, write_photos

    found = 0 if args.no_samples else len(sample_photos())
    generated = max(0, PHOTOS_WANTED - found) if args.generated is None else args.generated
    if generated < 0:
        raise BrushworkError(f"--generated must be 0 or more, not {generated}")
    copied, made = write_photos(args.folder, generated, samples=not args.no_samples)
    print(f"wrote {copied} sample photo(s) and {made} generated picture(s) to {args.folder}")
    if not args.no_samples and not copied:
        print("no sample photos found: `pip install scikit-image scikit-learn matplotlib` ships a dozen")
    return 0


def add_common(p) -> None:
    p.add_argument("--size", type=int, default=None, help="long side to stylise at (default: the input's)")
    p.add_argument("--strength", type=float, default=1.0, help="style strength: 0 = the input, 1 = full style")
    p.add_argument("--preserve-color", action="store_true", help="keep the input's original colours")
    p.add_argument("--runtime", choices=RUNTIMES, default="auto",
                   help="auto: ONNX Runtime when installed (faster on CPU), else PyTorch")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="device for the PyTorch runtime")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores; 1 can be faster "
                   "on a busy machine)")


def add_apply(p) -> None:
    p.add_argument("model", metavar="MODEL", help="trained model (.pt checkpoint or exported .onnx)")
    p.add_argument("inputs", metavar="INPUT", nargs="*", help="images or folders of images")
    p.add_argument("-o", "--output", metavar="OUT", help="output image, or folder for several inputs")
    p.add_argument("--export-onnx", metavar="FILE", help="also write the model as ONNX to FILE")
    add_common(p)
    p.set_defaults(func=run_apply)


def run_apply(args) -> int:
    check_size(args.size)
    check_strength(args.strength)
    if args.export_onnx:
        from .checkpoint import load
        from .export import export
        net, settings, _ = load(args.model)
        print(f"wrote {export(net, args.export_onnx, settings)}")
    if not args.inputs:
        if args.export_onnx:
            return 0
        raise BrushworkError("give at least one INPUT image or folder (or --export-onnx FILE)")
    if not args.output:
        raise BrushworkError("give -o OUT: an output image, or a folder for several inputs")
    runner, _ = load_runner(args.model, args.runtime, args.device, args.threads)
    written, skipped = apply_paths(runner, args.inputs, args.output, args.size, args.strength, args.preserve_color)
    print(f"wrote {written} image(s) to {args.output}" + (f", skipped {skipped} unreadable" if skipped else ""))
    return 0


def add_video(p) -> None:
    p.add_argument("input", metavar="INPUT", help="video file (any format FFmpeg reads)")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="video to write (.mp4, .mov, "
                   ".mkv, .webm or .avi)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="trained style network (fast)")
    which.add_argument("--style", help="style image: optimise every frame (slow)")
    add_common(p)
    p.add_argument("--smoothing", type=float, default=0.8, help="temporal consistency: how much unchanged "
                   "areas keep the previous stylised frame (0 turns it off, below 1)")
    p.add_argument("--iterations", type=int, default=60, help="optimisation steps per frame with --style")
    from ..batch.cli import add_runner_arguments
    add_runner_arguments(p, threads=False)  # --style: frames as batch items, locally or on Ray
    p.set_defaults(func=run_video)


def frame_function(args):
    """(1,3,H,W) -> stylised by the model."""
    runner, _ = load_runner(args.model, args.runtime, args.device, args.threads)
    return lambda x: stylise(runner, x, args.strength, args.preserve_color)


def run_video(args) -> int:
    from tqdm import tqdm

    from .temporal import TemporalBlend
    from .video import check_output, open_video, stylise_video

    check_size(args.size)
    if args.style:  # optimised frames go through the batch machinery (brushwork.batch.video)
        from ..batch.video import run_style_video
        return run_style_video(args)
    if args.ray is not None:
        raise BrushworkError("--ray spreads optimised frames (--style); a --model video runs here")
    check_strength(args.strength)
    blend = TemporalBlend(args.smoothing) if args.smoothing != 0 else None  # refuses nan and out of range
    check_output(args.output)
    open_video(args.input)[0].close()  # fail on a bad input before loading any model
    fn = frame_function(args)
    with tqdm(unit="frame", desc="video", dynamic_ncols=True) as bar:
        def progress(done, total):
            bar.total = total or None
            bar.update(done - bar.n)
        stats = stylise_video(args.input, args.output, fn, blend, args.size, progress)
    print(f"wrote {args.output}: {stats['frames']} frames at {stats['fps']:.1f} frames/s, "
          f"flicker ratio {stats['flicker']:.2f}")
    return 0
