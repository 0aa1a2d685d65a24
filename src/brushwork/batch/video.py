"""`brushwork video --style`: optimising every frame through the batch machinery, so the frames
spread over local processes or a Ray cluster and a stopped run resumes where it stopped.

How the work is split, and why the temporal blend stays exact. Each frame is optimised from its
own content (the colour-matched frame), never from the previous frame's result, so the expensive
part has no order: every frame is one batch item, and any worker may take any frame. The one link
between frames is the temporal blend (frame t's output mixes in frame t-1's *blended* output where
the picture did not move), a recurrence that costs microseconds per frame. It runs afterwards, in
frame order, in one process, while the video is encoded. So the output is the same frame for frame
as a sequential run, with no overlap and no seams between chunks. (Were frames started from the
previous result, the work would have to go out in runs of consecutive frames that overlap by a
few frames, the overlap's results thrown away; that is not needed here.)

Steps: 1. decode the frames, downscaled to --size, as PNGs into OUTPUT.frames/in (once);
2. the batch: each frame -> OUTPUT.frames/styled/NNNNNN.png, with OUTPUT.frames/results.jsonl;
3. read the styled frames in order, blend, upscale, encode with the audio; remove OUTPUT.frames."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .. import images
from ..errors import BrushworkError
from .plan import Item


def run_style_video(args) -> int:
    from ..fast.apply import check_strength
    from ..fast.video import check_output, open_video
    from .cli import check_runner

    check_strength(args.strength)
    out = check_output(args.output)
    open_video(args.input)[0].close()  # fail on a bad input before any work
    check_runner(args)
    work = out.with_name(out.name + ".frames")
    frames = extract_frames(args.input, work / "in", args.size)
    if not style_frames(args, frames, work):
        print(f"brushwork: some frames failed (see {work / 'results.jsonl'}); run the same command "
              f"again to retry them", file=sys.stderr)
        return 1
    stats = assemble(args, [work / "styled" / f.name for f in frames])
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.output}: {stats['frames']} frames, flicker ratio {stats['flicker']:.2f}")
    return 0


def extract_frames(source, folder: Path, size) -> list:
    """The video's frames, downscaled as the encoder will, as folder/NNNNNN.png (kept for a re-run)."""
    from ..fast.video import downscale, open_video, to_tensor

    done, marker = folder / ".complete", f"all frames written at size {size}\n"
    if not done.is_file() or done.read_text() != marker:  # none yet, or from a run at another size
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        container, stream = open_video(source)
        with container:
            for i, frame in enumerate(container.decode(stream)):
                images.save_image(images.to_image(downscale(to_tensor(frame), size)), folder / f"{i:06d}.png")
        done.write_text(marker)
    frames = sorted(p for p in folder.glob("*.png") if not p.name.startswith("."))
    if not frames:
        raise BrushworkError(f"{source}: no video frames could be decoded")
    return frames


def frame_settings(args, size: int):
    from ..settings import Settings

    return Settings(iterations=args.iterations, device=args.device, scales=1, size=size, preview_every=0,
                    preserve_color="luminance" if args.preserve_color else "none").validate()


def style_frames(args, frames: list, work: Path) -> bool:
    """Run every frame not done yet as a batch item; True when all are done."""
    from .cli import runner
    from .run import execute

    with images.load_image(frames[0]) as first:
        settings = frame_settings(args, max(first.size))
    style = str(Path(args.style).resolve())
    images.load_image(style, "style image")  # a bad style is a one-line error, not a failure per frame
    (work / "styled").mkdir(parents=True, exist_ok=True)
    items = [Item(str(f), style, str(work / "styled" / f.name), settings.to_dict()) for f in frames]
    recipe = {"kind": "optimise", "settings": settings.to_dict()}
    summary = execute(items, runner(args, recipe, "cuda" if args.device == "cuda" else "cpu"),
                      work / "results.jsonl", quiet=False)
    print(f"frames: {summary.line()}")
    return not summary.failed


class StyledFrames:
    """A stylise_frame for fast.video.stylise_video that hands out the frames styled by the batch,
    in order, mixed with the input by the style strength."""

    def __init__(self, paths: list, strength: float):
        self.paths, self.strength, self.index = paths, strength, 0

    def __call__(self, x):
        if self.index >= len(self.paths):
            raise BrushworkError("the video decoded to more frames than were styled: run again")
        out = images.to_tensor(images.load_image(self.paths[self.index]))
        self.index += 1
        if out.shape != x.shape:
            raise BrushworkError(f"styled frame {self.index} does not match the video's frame size")
        return (self.strength * out + (1 - self.strength) * x).clamp(0, 1)


def assemble(args, styled: list) -> dict:
    from tqdm import tqdm

    from ..fast.temporal import TemporalBlend
    from ..fast.video import stylise_video

    blend = TemporalBlend(args.smoothing) if args.smoothing > 0 else None
    with tqdm(total=len(styled), unit="frame", desc="encoding", dynamic_ncols=True) as bar:
        return stylise_video(args.input, args.output, StyledFrames(styled, args.strength), blend, args.size,
                             lambda done, total: bar.update(done - bar.n))
