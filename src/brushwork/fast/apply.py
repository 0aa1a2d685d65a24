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


def pad_to_4(x: torch.Tensor) -> tuple:
    """(x reflection-padded so height and width are multiples of 4, (h, w) to crop back to)."""
    h, w = x.shape[-2:]
    ph, pw = -h % 4, -w % 4
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
    threads: CPU threads (0: all cores)."""
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
