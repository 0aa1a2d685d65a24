"""Checkpoints: the network's weights with the TrainSettings that built it, so loading never guesses.
Written atomically (a temporary file renamed into place)."""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import BrushworkError
from ..files import atomic_path
from .network import arch, arch_dict, build
from .settings import TrainSettings

FORMAT = "brushwork-fast"
VERSION = 1


def save(path, net, settings: TrainSettings, step: int, optimizer=None, losses=None) -> Path:
    p = Path(path)
    data = {"format": FORMAT, "version": VERSION, "settings": settings.to_dict(),
            "arch": arch_dict(net.spec), "step": step, "model": net.state_dict(),
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "losses": dict(losses or {})}
    with atomic_path(p) as tmp, open(tmp, "wb") as f:
        torch.save(data, f)
    return p


def read(path) -> dict:
    """The checkpoint's dictionary, with a one-line error for anything that is not one."""
    p = Path(path)
    if not p.is_file():
        raise BrushworkError(f"model not found: {p}")
    try:
        data = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a file that is not a checkpoint
        raise BrushworkError(f"{p} is not a brushwork style model ({e.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BrushworkError(f"{p} is not a brushwork style model (train one with `brushwork train`)")
    if data.get("version", 0) > VERSION:
        raise BrushworkError(f"{p} was written by a newer brushwork (model format {data['version']})")
    return data


def load(path, device="cpu"):
    """(network in eval mode, TrainSettings, checkpoint dict) from a checkpoint file."""
    data = read(path)
    settings = TrainSettings.from_dict(data["settings"])
    net = build(data.get("arch") or arch(settings.arch))
    try:
        net.load_state_dict(data["model"])
    except RuntimeError as e:
        raise BrushworkError(f"{path} does not match its own architecture ({str(e).splitlines()[0]})") from None
    return net.eval().requires_grad_(False).to(device), settings, data
