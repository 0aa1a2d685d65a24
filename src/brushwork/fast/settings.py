"""Settings for training a fast style network. Like `brushwork.Settings`, every field carries its
help text in its metadata, so the CLI flags and docs come from this table; a checkpoint stores the
settings that built it (`to_dict`) and loading rebuilds them exactly (`from_dict`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Optional

from ..errors import BrushworkError
from ..settings import SettingsTable
from .network import ARCHS, DEFAULT_ARCH


def _f(default, help, choices=None, **kw):
    meta = {"help": help}
    if choices:
        meta["choices"] = tuple(choices)
    return field(default=default, metadata=meta, **kw)


@dataclass(frozen=True)
class TrainSettings(SettingsTable):
    kind = "training setting"

    style_image: str = _f("", "Style image the network learns (the STYLE argument).")
    images: str = _f("", "Folder of training photos, searched recursively (any format Pillow reads).")
    arch: str = _f(DEFAULT_ARCH, "Transformation network: johnson (Johnson et al. 2016), johnson-w8, "
                   "light, fast or tiny (depthwise-separable, for real-time CPU use).", ARCHS)
    backbone: str = _f("auto", "Loss network: auto uses vgg16 when its weights are on this machine, "
                       "else efficientnet-lite0.")
    weights: Optional[str] = _f(None, "Weights file for the loss network instead of the cached one.")
    content_layers: Optional[tuple] = _f(None, "Content layers, comma separated (default: the backbone's).")
    style_layers: Optional[tuple] = _f(None, "Style layers, comma separated (default: the backbone's).")
    content_weight: float = _f(1.0, "Weight of the content loss.")
    style_weight: float = _f(20.0, "Weight of the style loss.")
    tv_weight: float = _f(10.0, "Total-variation weight (smoothness).")
    stability_weight: float = _f(0.0, "Noise robustness: penalise output changes under small input noise "
                                 "(less video flicker; 0 turns it off).")
    style_loss: str = _f("gram", "Style statistic.", ["gram", "moments", "gram+moments"])
    loss_normalisation: str = _f("relative", "Loss normalisation (see brushwork.losses).", ["relative", "classic"])
    image_size: int = _f(256, "Side of the square training crops in pixels.")
    style_size: int = _f(0, "Long side of the style image in pixels (0: 1.5 x image_size).")
    batch_size: int = _f(2, "Crops per step.")
    steps: int = _f(2000, "Optimiser steps (ignored when epochs is set).")
    epochs: int = _f(0, "Passes over the photos (0: use steps).")
    minutes: float = _f(0.0, "Stop (with a checkpoint) after this many minutes of training (0: no limit).")
    learning_rate: float = _f(2e-3, "Adam step size.")
    seed: int = _f(0, "Random seed for crops, flips and the initial network.")
    device: str = _f("auto", "Where to train: auto picks CUDA when present.", ["auto", "cpu", "cuda"])
    threads: int = _f(0, "CPU threads for PyTorch (0: its default; 1 is often fastest on a busy machine).")
    checkpoint_every: int = _f(200, "Save a checkpoint and a preview every N steps (0: only at the end).")
    preview_image: Optional[str] = _f(None, "Validation photo for previews (default: the first photo found).")

    def validate(self) -> "TrainSettings":
        """Raise BrushworkError naming the first nonsense value; return self when all is well."""
        self.check_choices()
        for name in ("content_weight", "style_weight", "tv_weight", "stability_weight", "minutes"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise BrushworkError(f"{name} must be a non-negative number, not {value}")
        for name, low in (("image_size", 32), ("batch_size", 1), ("steps", 1)):
            if getattr(self, name) < low:
                raise BrushworkError(f"{name} must be at least {low}, not {getattr(self, name)}")
        for name in ("epochs", "checkpoint_every", "style_size", "threads"):
            if getattr(self, name) < 0:
                raise BrushworkError(f"{name} must be 0 or more, not {getattr(self, name)}")
        if self.image_size > 2048 or self.style_size > 4096:
            raise BrushworkError("image_size is at most 2048 and style_size at most 4096 pixels")
        if not 0 < self.learning_rate <= 1:  # Adam on network weights: larger steps only overflow
            raise BrushworkError(f"learning_rate must be above 0 and at most 1, not {self.learning_rate}")
        return self


def train_fields():
    return fields(TrainSettings)
