"""Benchmarks for fast style networks (figures for docs/fast.md; not a test).

    python benchmarks/bench_fast.py speed [--size 512x384] [--repeats 15] [--threads 2]
    python benchmarks/bench_fast.py flicker MODEL PHOTO [--frames 40] [--smoothing 0.8]

speed: frames per second of each architecture in PyTorch and ONNX Runtime (median of repeats,
untrained weights: speed does not depend on them). flicker: a clip made from PHOTO (a slow pan
with a little sensor noise) is stylised with and without temporal blending; the flicker ratio is
output frame-to-frame change over input frame-to-frame change."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def median_seconds(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def speed(args) -> None:
    from brushwork.fast.apply import TorchRunner
    from brushwork.fast.export import OnnxRunner, export
    from brushwork.fast.network import ARCHS, build

    torch.set_num_threads(args.threads)
    w, h = map(int, args.size.split("x"))
    x = torch.rand(1, 3, h, w)
    print(f"{'arch':12} {'params':>8} {'torch fps':>10} {'onnx fps':>9}   ({w}x{h}, {args.threads} threads, "
          f"median of {args.repeats})")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.archs or ARCHS:
            net = build(name).eval()
            params = sum(p.numel() for p in net.parameters())
            t_torch = median_seconds(lambda: TorchRunner(net)(x), args.repeats)
            onnx = OnnxRunner(export(net, Path(tmp) / f"{name}.onnx"), threads=args.threads)
            t_onnx = median_seconds(lambda: onnx(x), args.repeats)
            print(f"{name:12} {params:8,d} {1 / t_torch:10.2f} {1 / t_onnx:9.2f}", flush=True)


def make_clip(photo, path, frames: int, size=(512, 384), rate=25, seed=0) -> Path:
    """A slow pan across PHOTO with Gaussian sensor noise (sigma 2/255), as H.264."""
    import av
    from PIL import Image

    im = Image.open(photo).convert("RGB")
    im = im.resize((size[0] + 2 * frames, round(im.height * (size[0] + 2 * frames) / im.width)))
    a = np.asarray(im, np.float32)
    rng = np.random.default_rng(seed)
    top = max(0, (a.shape[0] - size[1]) // 2)
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=rate)
        v.width, v.height, v.pix_fmt, v.options = size[0], size[1], "yuv420p", {"crf": "16"}
        for i in range(frames):
            crop = a[top:top + size[1], 2 * i:2 * i + size[0]] + rng.normal(0, 2, (size[1], size[0], 3))
            frame = av.VideoFrame.from_ndarray(np.clip(crop, 0, 255).astype(np.uint8), format="rgb24")
            out.mux(v.encode(frame))
        out.mux(v.encode(None))
    return Path(path)


def flicker(args) -> None:
    from brushwork.fast.apply import load_runner, stylise
    from brushwork.fast.temporal import TemporalBlend
    from brushwork.fast.video import stylise_video

    runner, _ = load_runner(args.model, args.runtime, threads=args.threads)
    out_dir = Path(args.out or tempfile.mkdtemp(prefix="brushwork-flicker-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    clip = make_clip(args.photo, out_dir / "input.mp4", args.frames)
    print(f"clip: {clip} ({args.frames} frames, 512x384, pan 2 px/frame, noise sigma 2/255)")
    for smoothing in (0.0, *args.smoothing):
        blend = TemporalBlend(smoothing) if smoothing else None
        stats = stylise_video(clip, out_dir / f"out-s{smoothing:g}.mp4", lambda t: stylise(runner, t), blend)
        print(f"smoothing {smoothing:4.2f}: flicker ratio {stats['flicker']:.2f}, {stats['fps']:.1f} frames/s "
              f"end to end (decode + stylise + encode)", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--size", default="512x384")
    s.add_argument("--repeats", type=int, default=15)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--archs", nargs="*")
    s.set_defaults(func=speed)
    f = sub.add_parser("flicker")
    f.add_argument("model")
    f.add_argument("photo")
    f.add_argument("--frames", type=int, default=40)
    f.add_argument("--smoothing", type=float, nargs="*", default=[0.8])
    f.add_argument("--runtime", default="auto")
    f.add_argument("--threads", type=int, default=0)
    f.add_argument("--out", help="folder for the clip and outputs (default: a temporary one)")
    f.set_defaults(func=flicker)
    args = p.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
