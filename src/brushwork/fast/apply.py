"""Repainting images with a trained network, in PyTorch or (faster on CPU) ONNX Runtime, with a
style strength control and original-colour preservation."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .. import images
from ..errors import BrushworkError
from . import checkpoint

RUNTIMES = ("auto", "torch", "onnx")
MIN_SIDE = 16  # smaller sides are padded up to this (the network's padding and norms need room)


def pad_to_4(x: torch.Tensor) -> tuple:
    """(x padded so height and width are multiples of 4 and at least MIN_SIDE, (h, w) to crop back
    to): by reflection, or by repeating the edge where the image is too small to reflect."""
    h, w = x.shape[-2:]
    ph, pw = max(MIN_SIDE, h + -h % 4) - h, max(MIN_SIDE, w + -w % 4) - w
    if ph or pw:
        mode = "reflect" if h > ph and w > pw else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def stylise_tensor(net, x: torch.Tensor) -> torch.Tensor:
    """Run `net` (a module or a runner) on (B, 3, H, W) in 0..1 of any size."""
    padded, (h, w) = pad_to_4(x)
    return net(padded)[..., :h, :w]


class TorchRunner:
    """The network in PyTorch, without autograd."""

    def __init__(self, net):
        self.net = net

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.net(x)


def load_runner(model, runtime: str = "auto", device: str = "cpu", threads: int = 0):
    """(callable (B,3,H,W) -> same, TrainSettings) for a checkpoint (.pt) or an exported .onnx;
    threads: CPU threads (0: all cores). The runner knows its memory per pixel (check_memory)."""
    runner, settings = _load_runner(model, runtime, device, threads)
    runner.per_pixel, runner.device = bytes_per_pixel(settings), torch.device(device)
    return runner, settings


def bytes_per_pixel(settings) -> int:
    """Peak memory of one forward pass per pixel: the widest full-resolution activations with a
    margin (measured: johnson about 1.0-1.1 kB/px, fast about 0.3 kB/px, in PyTorch and ONNX Runtime).
    An .onnx without brushwork's settings is costed as the largest architecture."""
    from .network import arch

    c1, c2, _ = arch(getattr(settings, "arch", None) or "johnson").channels
    return 5 * (6 + 2 * c2 + 5 * c1)


def check_memory(runner, height: int, width: int) -> None:
    """Refuse an image whose forward pass will not fit in free memory, before any time is spent."""
    from ..engine import available_memory

    need = getattr(runner, "per_pixel", bytes_per_pixel(None)) * height * width
    free = available_memory(getattr(runner, "device", torch.device("cpu")))
    if free and need > free:
        raise BrushworkError(f"a {width}x{height} image needs about {need / 2**30:.1f} GiB with this network, "
                             f"more than the {free / 2**30:.1f} GiB free: use a smaller --size")


def check_size(size) -> None:
    """--size: None (the input's own size) or 16 .. MAX_SIZE pixels on the long side."""
    from ..settings import MAX_SIZE

    if size is not None and not MIN_SIDE <= size <= MAX_SIZE:
        raise BrushworkError(f"--size must be between {MIN_SIDE} and {MAX_SIZE} pixels, not {size}")


def _load_runner(model, runtime: str, device: str, threads: int):
    if threads < 0:
        raise BrushworkError(f"--threads must be 0 (all cores) or more, not {threads}")
    if runtime not in RUNTIMES:
        raise BrushworkError(f"runtime must be one of {', '.join(RUNTIMES)}, not '{runtime}'")
    path = Path(model)
    if path.suffix.lower() == ".onnx":
        from .export import OnnxRunner
        return OnnxRunner.open(path, threads)
    if threads:
        torch.set_num_threads(threads)
    net, settings, _ = checkpoint.load(path, device)
    if runtime == "torch" or str(device) != "cpu":
        return TorchRunner(net), settings
    from .export import OnnxRunner, onnx_available
    if runtime == "onnx" or onnx_available():
        return OnnxRunner.for_checkpoint(path, net, settings, threads), settings
    return TorchRunner(net), settings


def stylise(runner, content: torch.Tensor, strength: float = 1.0, preserve_color: bool = False) -> torch.Tensor:
    """The stylised (1, 3, H, W) image; strength blends with the content (0: content, 1: full style)."""
    check_memory(runner, *content.shape[-2:])
    out = stylise_tensor(runner, content)
    if preserve_color:
        out = images.keep_luminance(out, content)
    if strength != 1.0:
        out = (strength * out + (1 - strength) * content).clamp(0, 1)
    return out


def check_strength(strength: float) -> float:
    if not 0 <= strength <= 1:
        raise BrushworkError(f"strength must be between 0 and 1, not {strength}")
    return strength


def stylise_file(runner, source, output, size=None, strength=1.0, preserve_color=False) -> Path:
    im = images.load_image(source, "input image")
    if size:
        check_size(size)
        scale = size / max(im.size)
        check_memory(runner, max(1, round(im.height * scale)), max(1, round(im.width * scale)))
        im = images.resize_long(im, size)
    out = stylise(runner, images.to_tensor(im), strength, preserve_color)
    return images.save_image(images.to_image(out), output)


def plan_outputs(inputs, output) -> list:
    """[(source, destination)]: one input file -> the output file; several inputs or folders ->
    files in the output folder (folders keep their inner layout; names keep their suffix when it
    can be written, else become .png)."""
    from .data import image_files

    inputs = [Path(p) for p in inputs]
    for p in inputs:
        if not p.exists():
            raise BrushworkError(f"input not found: {p}")
    out = Path(output)
    if len(inputs) == 1 and inputs[0].is_file() and not out.is_dir():
        images.check_output_path(out)
        return [(inputs[0], out)]
    if out.exists() and not out.is_dir():
        raise BrushworkError(f"output must be a folder for several inputs or a folder input: {out}")
    pairs = []
    for p in inputs:
        for src in (image_files(p) if p.is_dir() else [p]):
            rel = src.relative_to(p) if p.is_dir() else Path(src.name)
            suffix = rel.suffix if rel.suffix.lower() in images.OUTPUT_FORMATS else ".png"
            pairs.append((src, out / rel.with_suffix(suffix)))
    return pairs


def apply_paths(runner, inputs, output, size=None, strength=1.0, preserve_color=False, progress=None) -> tuple:
    """Stylise every input (files or folders) into `output`; (written, skipped) counts. Files in a
    folder that cannot be read are skipped with a warning; a named file that cannot be read is an error."""
    check_strength(strength)
    pairs = plan_outputs(inputs, output)
    written = skipped = 0
    for src, dst in pairs:
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            stylise_file(runner, src, dst, size, strength, preserve_color)
            written += 1
        except BrushworkError as e:
            if len(pairs) == 1:
                raise
            warnings.warn(f"skipped: {e}", stacklevel=2)
            skipped += 1
        if progress:
            progress(src, dst)
    return written, skipped


def to_numpy(x: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32)
