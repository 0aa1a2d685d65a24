"""What every backbone offers: named feature layers, each with its channels and stride,
computed from an RGB image in 0..1 after the backbone's own input normalisation."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import BrushworkError, suggest

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class LayerInfo:
    name: str
    channels: int
    stride: int  # input pixels per feature pixel


class Backbone(nn.Module):
    """A feature extractor. Subclasses fill `self.stages` (an nn.ModuleList) and `self.info`
    (one LayerInfo per stage, in order): stage i's output is layer info[i]."""

    default_content: tuple = ()
    default_style: tuple = ()
    default_match: tuple = ()  # the match term's layers (terms.py): mid-depth, stride 8 and 16

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))
        self.stages = nn.ModuleList()
        self.info: list[LayerInfo] = []

    @property
    def layer_names(self) -> list[str]:
        return [i.name for i in self.info]

    def check_layers(self, names) -> None:
        known = self.layer_names
        for name in names:
            if name not in known:
                raise BrushworkError(f"unknown layer '{name}' for this backbone" + suggest(name, known))

    def forward(self, image: torch.Tensor, layers) -> dict:
        """{layer name: features (B, C, H/stride, W/stride)} for each wanted layer; stops after the last."""
        wanted = set(layers)
        self.check_layers(wanted)
        x = (image - self.mean) / self.std
        out = {}
        for info, stage in zip(self.info, self.stages):
            x = stage(x)
            if info.name in wanted:
                out[info.name] = x
                if len(out) == len(wanted):
                    break
        return out


def load_state_dict_file(path: Path) -> dict:
    """A plain state dict from a .pth file, with a one-line error for anything else."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a file that is not a checkpoint
        raise BrushworkError(f"{path} is not a PyTorch weights file ({e.__class__.__name__})") from None
    if isinstance(data, dict) and "state_dict" in data and isinstance(data["state_dict"], dict):
        data = data["state_dict"]
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise BrushworkError(f"{path} does not hold a state dict of tensors")
    return data


def require_keys(state: dict, keys, what: str, path) -> None:
    missing = [k for k in keys if k not in state]
    if missing:
        raise BrushworkError(f"{path} is not a {what} state dict: it lacks '{missing[0]}'"
                             f" ({len(missing)} keys missing)")
