"""Settings for training a fast style network. Like `brushwork.Settings`, every field carries its
help text in its metadata, so the CLI flags and docs come from this table; a checkpoint stores the
settings that built it (`to_dict`) and loading rebuilds them exactly (`from_dict`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Optional

from ..errors import BrushworkError
from ..settings import Settings, SettingsTable, shared_field
from ..terms import WEIGHT_FIELDS
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
    backbone: str = _f(Settings().backbone, "Loss network, as for stylize (see `brushwork backbones`); auto, the "
                       "default of models trained before, is vgg16 when its weights are here, else efficientnet-lite0.")
    weights: Optional[str] = _f(None, "Weights file for the loss network instead of the cached one.")
    # The loss terms (brushwork.terms) and their options are stylize's fields; the fast recipe keeps
    # its own weights (measured in docs/fast.md: content 3.75 against style 20 keeps the scene readable,
    # chroma TV halves the colour speckle), and the terms it has not been tuned with start at 0.
    content_layers: Optional[tuple] = shared_field("content_layers")
    style_layers: Optional[tuple] = shared_field("style_layers")
    style_layer_weights: Optional[tuple] = shared_field("style_layer_weights")
    content_weight: float = shared_field("content_weight", 3.75)
    style_weight: float = shared_field("style_weight", 20.0)
    match_weight: float = shared_field("match_weight", 0.0)
    match_layers: Optional[tuple] = shared_field("match_layers")
    patch_weight: float = shared_field("patch_weight", 0.0)
    colour_weight: float = shared_field("colour_weight", 0.0)
    stroke_weight: float = shared_field("stroke_weight", 0.0)
    range_weight: float = shared_field("range_weight", 0.0)
    tv_weight: float = shared_field("tv_weight", 10.0)
    chroma_tv_weight: float = shared_field("chroma_tv_weight", 10.0)
    stability_weight: float = _f(0.0, "Noise robustness: penalise output changes under small input noise "
                                 "(less video flicker; 0 turns it off).")
    style_loss: str = shared_field("style_loss", "gram")
    style_smoothing: str = shared_field("style_smoothing")
    loss_normalisation: str = shared_field("loss_normalisation")
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
        for name in (*WEIGHT_FIELDS, "stability_weight", "minutes"):
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
        if self.style_layers and self.style_layer_weights and len(self.style_layers) != len(self.style_layer_weights):
            raise BrushworkError(f"{len(self.style_layers)} style layers but {len(self.style_layer_weights)} layer weights")
        return self


def train_fields():
    return fields(TrainSettings)
