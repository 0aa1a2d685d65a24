"""One settings object for the library, the CLI and the web service.

Every field carries its help text (and choices, where they are fixed) in its metadata, so
the CLI flags, the web form and the docs are generated from this one table.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Optional

from .errors import BrushworkError


def _f(default, help, choices=None, group="style", **kw):
    meta = {"help": help, "group": group}
    if choices:
        meta["choices"] = tuple(choices)
    return field(default=default, metadata=meta, **kw)


MAX_SIZE = 8192  # long side in pixels; a hard ceiling above the memory check
MAX_ITERATIONS = 100_000  # a hard ceiling (the web studio has its own, lower, --max-iterations)
MAX_LEARNING_RATE = 100.0  # pixels are in 0..1: larger steps only overflow
MAX_SEED = 2**63 - 1  # what SQLite and torch.Generator both hold


class SettingsTable:
    """What every settings dataclass shares: copying, a JSON-ready dict, parsing one back (from
    flags, forms or a checkpoint) and checking fixed choices. Subclasses add validate()."""

    kind = "setting"  # how errors name a field

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict):
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            from .errors import suggest
            raise BrushworkError(f"unknown {cls.kind} '{str(unknown[0])[:40]}'" + suggest(unknown[0][:100], known))
        return cls(**{k: coerce(known[k], v) for k, v in data.items()}).validate()

    def check_choices(self) -> None:
        for f in fields(self):
            choices = f.metadata.get("choices")
            value = getattr(self, f.name)
            if choices and value not in choices:
                raise BrushworkError(f"{f.name} must be one of {', '.join(choices)}, not '{str(value)[:40]}'")


@dataclass(frozen=True)
class Settings(SettingsTable):
    # --- network -----------------------------------------------------------------------
    backbone: str = _f("efficientnet-lite1", "Feature network (see `brushwork backbones`).", group="network")
    weights: Optional[str] = _f(None, "Weights file to use instead of the cached/packaged one.", group="network")
    pooling: str = _f("max", "Pooling in VGG networks: max or avg (avg gives smoother results).",
                      ["max", "avg"], group="network")
    device: str = _f("auto", "Where to compute: auto picks CUDA when present.", ["auto", "cpu", "cuda"],
                     group="network")
    # --- losses --------------------------------------------------------------------------
    content_layers: Optional[tuple] = _f(None, "Content layers, comma separated (default: the backbone's).")
    style_layers: Optional[tuple] = _f(None, "Style layers, comma separated (default: the backbone's).")
    style_layer_weights: Optional[tuple] = _f(None, "Weight of each style layer, comma separated (default: equal).")
    content_weight: float = _f(0.8, "alpha: weight of the content loss.")
    style_weight: float = _f(20.0, "beta: weight of the style loss.")
    match_weight: float = _f(0.0, "Weight of the match term, on the first (coarsest) level only: each feature "
                             "vector of the image at the match layers must be near one of the painting's, and "
                             "each of the painting's near one of the image's (cosine distance to the nearest, "
                             "as in STROTSS), so surfaces are painted with the painting's own marks, not only "
                             "its averages (0 turns it off).")
    match_layers: Optional[tuple] = _f(None, "Layers of the match term, comma separated (default: the backbone's).")
    patch_weight: float = _f(5.0, "Weight of the pixel-patch style term: the mean and covariance of the "
                             "style's 3x3 colour patches at full, half and quarter size (fine brush "
                             "texture that network features miss; 0 turns it off).")
    colour_weight: float = _f(1.0, "Weight of the palette term: the sliced Wasserstein distance between the "
                              "colour histograms of the image and the painting, so colours are as vivid and "
                              "distinct as the painting's (0 turns it off).")
    stroke_weight: float = _f(100.0, "Weight of the stroke term: how long and aligned the light-dark marks are "
                              "(the coherence of the luminance structure tensor), matched to the painting's "
                              "(0 turns it off).")
    range_weight: float = _f(100.0, "Weight of the range term: keeps pixels inside 0..1 while optimising, so "
                             "clipping at save time cannot shift the hue of shadows and highlights "
                             "(0 turns it off).")
    tv_weight: float = _f(2.0, "Total-variation weight: smooths high-frequency noise (0 turns it off).")
    chroma_tv_weight: float = _f(10.0, "Extra total-variation weight on the colour channels only: removes "
                                 "colour speckle without blurring light-dark strokes (0 turns it off).")
    style_loss: str = _f("gram+moments", "Style statistic: gram (Gatys), moments (mean and std per channel), "
                         "gram+moments, or wasserstein (mean and covariance: the 2-Wasserstein distance "
                         "between Gaussian fits of the features).",
                         ["gram", "moments", "gram+moments", "wasserstein"])
    style_smoothing: str = _f("none", "Smooth the features before the style statistics (Wang et al. 2021; "
                              "helps non-VGG networks): softmax over the channels at each position, or over "
                              "the positions of each channel (softmax-space).",
                              ["none", "softmax", "softmax-space"])
    loss_normalisation: str = _f("relative", "relative: each layer's loss is divided by its target's size, so "
                                 "weights carry across backbones and sizes; classic: Gram/(C*H*W) and mean "
                                 "squared error as in the original papers.", ["relative", "classic"])
    style_blend: Optional[tuple] = _f(None, "Blend weight of each style image, comma separated (default: equal).")
    style_scale: float = _f(1.5, "Size of the style image relative to the output (bigger = larger strokes).")
    # --- optimisation --------------------------------------------------------------------
    iterations: int = _f(240, "Optimisation steps in total (split over the scales by level_ratio).", group="optimiser")
    optimizer: str = _f("lbfgs", "Optimiser.", ["adam", "lbfgs"], group="optimiser")
    learning_rate: float = _f(1.0, "L-BFGS step length, or Adam step size (pixels are in 0..1; about 0.005).",
                              group="optimiser")
    adam_beta1: float = _f(0.9, "Adam beta1.", group="optimiser")
    adam_beta2: float = _f(0.999, "Adam beta2.", group="optimiser")
    octaves: int = _f(4, "Luminance is optimised as a Laplacian pyramid of this many octaves, so a step "
                      "moves whole strokes, not single pixels (1: plain pixels).", group="optimiser")
    fine_gain: float = _f(2.0, "Gain of the finest pyramid octave: above 1 the optimiser reaches crisp pixel-level "
                          "edges sooner, below 1 grain costs more (needs octaves > 1).", group="optimiser")
    detail_follow: float = _f(1.0, "Above the first level, the finest octave's gain follows the local contrast "
                              "the coarser level left, to this power: flat areas get fewer pixel-level scratches, "
                              "strokes keep theirs (0: the same gain everywhere).", group="optimiser")
    chroma_factor: float = _f(4.0, "Colour (the I and Q of YIQ) is optimised at 1/this resolution and "
                              "upsampled, so colour speckle cannot form (1: full resolution).", group="optimiser")
    init: str = _f("matched", "Starting image: content, matched (the content recoloured to the style's "
                   "colour mean and covariance), palette (the content recoloured to the style's whole colour "
                   "distribution), tonal (the content's light and shade painted in the style's colour at each "
                   "brightness), noise, mix (noise_ratio of noise into the content), or file (init_image).",
                   ["content", "matched", "palette", "tonal", "noise", "mix", "file"], group="optimiser")
    start_colour: float = _f(0.15, "How much of its own colour a start made from the photo keeps (content, matched, "
                             "palette, tonal): the rest fades to the painting's average colour, so the optimiser "
                             "paints the colours from the painting (1: all of it).", group="optimiser")
    repaint: float = _f(0.0, "Share of the first level's start (content, matched, palette, tonal) that is a "
                        "nearest-neighbour repaint: the photo rebuilt from the painting's own patches, each "
                        "place taking the painting's patch whose features are nearest, so light, dark and hue "
                        "start where the painting would put them (0: off).", group="optimiser")
    region_tone: float = _f(0.0, "How far each region of the first level's start (the photo cut along its edges; "
                            "an even sky stays whole) moves its mean light and dark toward the nearest-neighbour "
                            "repaint's over it, keeping the photo's detail inside (0: off, 1: all the way).",
                            group="optimiser")
    region_hue: float = _f(0.0, "How far each region of the first level's start moves its colour toward the mean "
                           "colour of the nearest-neighbour repaint over it, so each house front or field can start "
                           "in its own hue of the painting's (0: off, 1: all the way).", group="optimiser")
    fine_content: float = _f(1.0, "Content weight at the levels after the first, as a multiple of content_weight "
                             "(above 1 pulls the photo's edges back after a start that moved the layout).",
                             group="optimiser")
    init_image: Optional[str] = _f(None, "Starting image file when init is 'file'.", group="optimiser")
    noise_ratio: float = _f(0.1, "Share of noise in the 'mix' starting image (0..1).", group="optimiser")
    seed: int = _f(0, "Random seed: the same seed and settings give the same image.", group="optimiser")
    level_ratio: float = _f(1.4, "How the iterations are split over the levels: each coarser level gets this "
                            "many times the steps of the next finer one (2 halves them from coarse to fine; "
                            "lower spends more of them at full size, where edges get crisp).", group="optimiser")
    scales: int = _f(2, "Coarse-to-fine levels (1 = single scale, 0 = automatic from the size).", group="optimiser")
    detail_steps: int = _f(14, "Above 512 px: steps at each finer level (at most twice the size of the one "
                           "before) after the levels of a 512 px run, which set the layout and strokes; "
                           "levels over 1024 px take them tile by tile.", group="optimiser")
    keep_preview: float = _f(0.5, "Above 512 px: how much of the 512 px preview the finished print keeps at the "
                             "preview's scale (1: the print scaled down is the preview; 0: the finer levels "
                             "may drift from it); the detail finer than the preview is kept either way.", group="optimiser")
    # --- image ---------------------------------------------------------------------------
    size: int = _f(512, "Long side of the output in pixels.", group="image")
    max_memory: float = _f(0.0, "Memory budget in GiB that a run must fit in (0: the memory free now).",
                           group="image")
    preserve_color: str = _f("none", "Keep the content's colours: luminance-only transfer or colour "
                             "histogram matching of the style to the content.",
                             ["none", "luminance", "histogram"], group="image")
    # --- reporting -----------------------------------------------------------------------
    preview_every: int = _f(10, "Send a preview image to the progress callback every N iterations (0: never).",
                            group="reporting")
    snapshot_every: int = _f(0, "Save an intermediate image every N iterations (CLI; 0: never).", group="reporting")

    def validate(self) -> "Settings":
        """Raise BrushworkError naming the first nonsense value; return self when all is well."""
        self.check_choices()
        for name in ("content_weight", "style_weight", "match_weight", "patch_weight", "colour_weight", "stroke_weight", "range_weight", "tv_weight",
                     "chroma_tv_weight", "noise_ratio", "fine_gain", "detail_follow"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise BrushworkError(f"{name} must be a non-negative number, not {value}")
        if not 0 <= self.start_colour <= 1:
            raise BrushworkError(f"start_colour must be between 0 and 1, not {self.start_colour}")
        for name in ("repaint", "region_tone", "region_hue"):
            if not 0 <= getattr(self, name) <= 1:
                raise BrushworkError(f"{name} must be between 0 and 1, not {getattr(self, name)}")
        if not (math.isfinite(self.fine_content) and 0 <= self.fine_content <= 100):
            raise BrushworkError(f"fine_content must be between 0 and 100, not {self.fine_content}")
        if self.noise_ratio > 1:
            raise BrushworkError(f"noise_ratio must be between 0 and 1, not {self.noise_ratio}")
        if not (math.isfinite(self.keep_preview) and 0 <= self.keep_preview <= 1):
            raise BrushworkError(f"keep_preview must be between 0 and 1, not {self.keep_preview}")
        if not (math.isfinite(self.max_memory) and self.max_memory >= 0):
            raise BrushworkError(f"max_memory must be 0 (the free memory) or a number of GiB, not {self.max_memory}")
        if self.detail_steps < 0:
            raise BrushworkError(f"detail_steps must be 0 or more, not {self.detail_steps}")
        for name in ("iterations", "size"):
            if getattr(self, name) < 1:
                raise BrushworkError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.size > MAX_SIZE:
            raise BrushworkError(f"size {self.size} is too large (at most {MAX_SIZE} pixels on the long side)")
        if self.iterations > MAX_ITERATIONS:
            raise BrushworkError(f"iterations {self.iterations} is too many (at most {MAX_ITERATIONS:,})")
        if not 0 <= self.seed <= MAX_SEED:
            raise BrushworkError(f"seed must be between 0 and 2**63-1, not {self.seed}")
        if not (0 < self.learning_rate <= MAX_LEARNING_RATE):
            raise BrushworkError(f"learning_rate must be above 0 and at most {MAX_LEARNING_RATE:g}, "
                                 f"not {self.learning_rate}")
        if not (0 <= self.adam_beta1 < 1 and 0 <= self.adam_beta2 < 1):
            raise BrushworkError("adam_beta1 and adam_beta2 must lie in [0, 1)")
        if not (0.05 <= self.style_scale <= 8):
            raise BrushworkError(f"style_scale must be between 0.05 and 8, not {self.style_scale}")
        if not 1 <= self.octaves <= 6:
            raise BrushworkError(f"octaves must be between 1 and 6, not {self.octaves}")
        if not 1 <= self.chroma_factor <= 16:
            raise BrushworkError(f"chroma_factor must be between 1 and 16, not {self.chroma_factor}")
        if self.fine_gain <= 0:
            raise BrushworkError(f"fine_gain must be positive, not {self.fine_gain}")
        if self.detail_follow > 4:
            raise BrushworkError(f"detail_follow must be between 0 and 4, not {self.detail_follow}")
        if not (math.isfinite(self.level_ratio) and 0.25 <= self.level_ratio <= 8):
            raise BrushworkError(f"level_ratio must be between 0.25 and 8, not {self.level_ratio}")
        if self.scales < 0 or self.scales > 6:
            raise BrushworkError(f"scales must be between 0 (automatic) and 6, not {self.scales}")
        for name in ("preview_every", "snapshot_every"):
            if getattr(self, name) < 0:
                raise BrushworkError(f"{name} must be 0 or more, not {getattr(self, name)}")
        if self.init == "file" and not self.init_image:
            raise BrushworkError("init 'file' needs init_image")
        for name in ("style_layer_weights", "style_blend"):
            values = getattr(self, name) or ()
            if any(not math.isfinite(v) or v < 0 for v in values):
                raise BrushworkError(f"{name} must be non-negative numbers")
            if values and sum(values) <= 0:
                raise BrushworkError(f"{name} must not all be zero")
        if self.style_layers and self.style_layer_weights and \
                len(self.style_layers) != len(self.style_layer_weights):
            raise BrushworkError(f"{len(self.style_layers)} style layers but "
                                 f"{len(self.style_layer_weights)} style layer weights")
        return self


def field_type(f) -> str:
    """'int', 'float', 'str', 'str-list' or 'float-list': what the CLI and web form parse."""
    if f.name in ("content_layers", "style_layers", "match_layers"):
        return "str-list"
    if f.name in ("style_layer_weights", "style_blend"):
        return "float-list"
    t = f.type if isinstance(f.type, str) else f.type.__name__
    return {"int": "int", "float": "float"}.get(t, "str")


WANTED = {"int": "a whole number", "float": "a number", "float-list": "numbers separated by commas",
          "str-list": "names separated by commas"}


def shared_field(name: str, default=dataclasses.MISSING):
    """Settings' field `name` (help, choices, group) for another settings table, with its own default."""
    f = next(f for f in fields(Settings) if f.name == name)
    return field(default=f.default if default is dataclasses.MISSING else default, metadata=f.metadata)


def coerce(f, value):
    """Turn a string (from a flag or a form) or a JSON value into the field's type."""
    kind = field_type(f)
    if value is None or value == "":
        return f.default
    if isinstance(value, bool) and kind != "str":  # JSON true/false is not a number
        raise BrushworkError(f"{f.name} must be {WANTED[kind]}, not {str(value).lower()}")
    try:
        if kind.endswith("list"):
            items = value.split(",") if isinstance(value, str) else list(value)
            items = [i.strip() if isinstance(i, str) else i for i in items if str(i).strip()]
            return tuple(float(i) for i in items) if kind == "float-list" else tuple(str(i) for i in items)
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise BrushworkError(f"{f.name} must be {WANTED[kind]}, not '{str(value)[:40]}'") from None
    return None if value is None else str(value)


def settings_fields():
    return fields(Settings)
