"""Video in, stylised video out, with PyAV (which ships its own FFmpeg): frame rate, size and the
audio track are kept; flicker is damped by `temporal.TemporalBlend`."""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional

import numpy as np

import torch
import torch.nn.functional as F

from .. import images
from ..errors import BrushworkError
from ..files import atomic_path
from .temporal import TemporalBlend

TEXT_FORMATS = {"tty", "ansi", "bin", "xbin", "idf", "adf", "data"}  # FFmpeg "videos" of text files
CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx-vp9", ".avi": "mpeg4"}


def require_av():
    try:
        import av
    except ImportError:
        raise BrushworkError("video needs PyAV: pip install av") from None
    return av


@dataclass
class VideoInfo:
    frames: int  # 0 when the container does not say
    rate: Fraction
    width: int
    height: int
    audio: bool


def open_video(path):
    """(input container, its video stream) with one-line errors for missing or unreadable files."""
    av = require_av()
    p = Path(path)
    if not p.is_file():
        raise BrushworkError(f"video not found: {p}")
    try:
        container = av.open(str(p))
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise BrushworkError(f"{p} is not a video PyAV can read ({e.__class__.__name__})") from None
    if not container.streams.video or container.format.name in TEXT_FORMATS \
            or container.streams.video[0].codec_context.name in TEXT_FORMATS:
        container.close()
        raise BrushworkError(f"{p} has no video stream")
    return container, container.streams.video[0]


def probe(path) -> VideoInfo:
    container, stream = open_video(path)
    with container:
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        return VideoInfo(stream.frames, Fraction(rate), stream.codec_context.width,
                         stream.codec_context.height, bool(container.streams.audio))


def check_output(path) -> Path:
    p = Path(path)
    if p.suffix.lower() not in CODECS:
        raise BrushworkError(f"cannot write '{p.suffix or p.name}' videos: use one of {', '.join(CODECS)}")
    if not (p.parent if str(p.parent) else Path(".")).is_dir():
        raise BrushworkError(f"output folder does not exist: {p.parent}")
    return p


def add_video_stream(out, suffix: str, rate: Fraction, width: int, height: int):
    codec = CODECS[suffix]
    stream = out.add_stream(codec, rate=rate)
    stream.width, stream.height = width, height
    odd = width % 2 or height % 2
    stream.pix_fmt = "yuv444p" if odd and codec == "libx264" else "yuv420p"
    if codec == "libx264":
        stream.options = {"crf": "18", "preset": "fast"}
    return stream


def add_audio_stream(out, audio_in):
    """A copy of the input's audio stream, or, when the container cannot hold that codec, AAC."""
    try:
        return out.add_stream_from_template(audio_in), False
    except Exception:  # PyAV raises ValueError or FFmpeg errors for codecs a container refuses
        return out.add_stream("aac", rate=audio_in.codec_context.sample_rate or 44100), True


def to_tensor(frame) -> torch.Tensor:
    return images.to_tensor(frame.to_ndarray(format="rgb24"))


def downscale(x: torch.Tensor, size: Optional[int]) -> torch.Tensor:
    """A frame with its long side made `size` (area averaging), or as it is when size is None."""
    h, w = x.shape[-2:]
    if not size or max(h, w) == size:
        return x
    s = size / max(h, w)
    return F.interpolate(x, size=(max(4, round(h * s)), max(4, round(w * s))), mode="area")


class FrameWork:
    """Stylise one decoded frame: optional downscale, the stylise function, temporal blending,
    upscale back to the input size; keeps the running frame-to-frame change for the flicker ratio."""

    def __init__(self, stylise_frame: Callable, blend: Optional[TemporalBlend], size: Optional[int]):
        self.stylise_frame, self.blend, self.size = stylise_frame, blend, size
        self.prev = None
        self.change_in = self.change_out = 0.0

    def __call__(self, frame) -> np.ndarray:
        x = to_tensor(frame)
        h, w = x.shape[-2:]
        small = downscale(x, self.size)
        y = self.stylise_frame(small)
        if self.blend is not None:
            y = self.blend(small, y)
        if y.shape[-2:] != (h, w):
            y = F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)
        out = y.clamp(0, 1).mul(255).round().byte()[0].permute(1, 2, 0).contiguous().numpy()
        if self.prev is not None:
            self.change_in += float((x - self.prev[0]).abs().mean())
            self.change_out += float(np.abs(out.astype(np.float32) - self.prev[1]).mean() / 255)
        self.prev = (x, out.astype(np.float32))
        return out

    def flicker(self) -> float:
        return self.change_out / self.change_in if self.change_in > 0 else 1.0


def stylise_video(source, output, stylise_frame: Callable, blend: Optional[TemporalBlend] = None,
                  size: Optional[int] = None, progress: Optional[Callable] = None) -> dict:
    """Write `output` with every frame of `source` passed through stylise_frame ((1,3,H,W) 0..1 ->
    same); the audio is copied. progress(frames done, total or 0). Returns frames, fps, flicker."""
    av = require_av()
    output = check_output(output)
    container, vin = open_video(source)
    work, start, done = FrameWork(stylise_frame, blend, size), time.perf_counter(), 0
    try:
        with atomic_path(output) as tmp:
            with container, av.open(str(tmp), "w") as out:
                done = transcode(av, container, vin, out, output.suffix.lower(), work, progress)
            if done == 0:
                raise BrushworkError(f"{source}: no video frames could be decoded")
    except av.FFmpegError as e:
        raise BrushworkError(f"{source} is damaged or unreadable ({e.__class__.__name__}: {e.strerror or e})") from None
    seconds = time.perf_counter() - start
    return {"frames": done, "seconds": seconds, "fps": done / seconds if seconds else 0.0, "flicker": work.flicker()}


def transcode(av, container, vin, out, suffix, work: FrameWork, progress) -> int:
    rate = vin.average_rate or vin.guessed_rate or Fraction(25)
    vout = add_video_stream(out, suffix, rate, vin.codec_context.width, vin.codec_context.height)
    ain = container.streams.audio[0] if container.streams.audio else None
    aout, reencode = add_audio_stream(out, ain) if ain is not None else (None, False)
    done, total = 0, vin.frames or 0
    for packet in container.demux(*[s for s in (vin, ain) if s is not None]):
        if packet.stream is vin:
            for frame in packet.decode():
                out.mux(vout.encode(av.VideoFrame.from_ndarray(work(frame), format="rgb24")))
                done += 1
                if progress:
                    progress(done, total)
        elif aout is not None and reencode:
            for frame in packet.decode():
                frame.pts = None
                out.mux(aout.encode(frame))
        elif aout is not None and packet.dts is not None:
            packet.stream = aout
            out.mux(packet)
    out.mux(vout.encode(None))
    if reencode:
        out.mux(aout.encode(None))
    return done
