"""The objective as a table: each loss term is one record (name, weight field, target builder,
loss function, memory probe). The engine, the memory check, progress reports and presets all loop
over `active(settings)`, so a new term is one record here plus its maths in losses.py.

A target builder takes (ctx, content, styles, blend) and returns what the loss compares with,
computed once per scale without gradients; a loss takes (ctx, image, feats, target). `ctx` is the
engine's Job: the network, the settings, the content layers and the style layer weights.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from . import losses


@dataclass(frozen=True)
class Term:
    name: str  # as reported in progress and drawn as a curve
    weight: str  # the Settings field that weighs it; 0 turns the term off
    loss: Callable  # (ctx, image, feats, target) -> scalar tensor, unweighted
    targets: Optional[Callable] = None  # (ctx, content, styles, blend) -> target; None: no target
    features: bool = False  # needs the backbone's features of the image
    memory: Optional[Callable] = None  # (probe image) -> runs what the term keeps for backward
    first_level: bool = False  # only at the first (coarsest) level, where the layout is painted


def _content_targets(ctx, content, styles, blend):
    return ctx.net(content, ctx.content_layers)


def _style_targets(ctx, content, styles, blend):
    s = ctx.settings
    per_style = [losses.style_targets(ctx.net(im, tuple(ctx.style_weights)), s.style_loss,
                                      s.loss_normalisation, s.style_smoothing) for im in styles]
    return losses.blend_targets(per_style, blend)


def _match_targets(ctx, content, styles, blend):
    """The unit feature vectors of every weighted painting at the match layers, side by side."""
    per_style = [losses.feature_matches(ctx.net(im, ctx.match_layers)) for im, w in zip(styles, blend) if w > 0]
    return {k: torch.cat([t[k] for t in per_style], 2) for k in ctx.match_layers}


def _patch_targets(ctx, content, styles, blend):
    scales = losses.patch_scales(content, *styles)
    return losses.blend_targets([losses.patch_statistics(im, scales) for im in styles], blend)


def _stroke_targets(ctx, content, styles, blend):
    """The blended stroke coherences (a large painting's summed band by band, in little memory)."""
    return sum(w / float(sum(blend)) * losses.stroke_statistics(im) for im, w in zip(styles, blend))


def _colour_targets(ctx, content, styles, blend):
    """The blended palette: each weighted style's sorted projections, resampled to a common length."""
    directions = losses.colour_directions()
    weighted = [(losses.colour_targets(im, directions), w) for im, w in zip(styles, blend) if w > 0]
    n = max(t.shape[1] for t, _ in weighted)
    total = float(sum(w for _, w in weighted))
    return directions, sum(w / total * _resample(t, n) for t, w in weighted)


def _resample(sorted_values: torch.Tensor, n: int) -> torch.Tensor:
    if sorted_values.shape[1] == n:
        return sorted_values
    return torch.nn.functional.interpolate(sorted_values[None], size=n, mode="linear", align_corners=True)[0]


TERMS = (
    Term("content", "content_weight", features=True, targets=_content_targets,
         loss=lambda ctx, im, feats, t: losses.content_loss(feats, t, ctx.settings.loss_normalisation)),
    Term("style", "style_weight", features=True, targets=_style_targets,
         loss=lambda ctx, im, feats, t: losses.style_loss(feats, t, ctx.style_weights, ctx.settings.loss_normalisation,
                                                          ctx.settings.style_smoothing)),
    Term("match", "match_weight", features=True, targets=_match_targets, first_level=True,
         loss=lambda ctx, im, feats, t: losses.match_loss(feats, t)),
    Term("patch", "patch_weight", targets=_patch_targets, memory=losses.patch_statistics,
         loss=lambda ctx, im, feats, t: losses.patch_loss(im, t)),
    Term("colour", "colour_weight", targets=_colour_targets,
         loss=lambda ctx, im, feats, t: losses.colour_loss(im, t[1], t[0])),
    Term("stroke", "stroke_weight", targets=_stroke_targets,
         loss=lambda ctx, im, feats, t: losses.stroke_loss(im, t)),
    Term("range", "range_weight", loss=lambda ctx, im, feats, t: losses.range_loss(im)),
    Term("tv", "tv_weight", loss=lambda ctx, im, feats, t: losses.tv_loss(im)),
    Term("chroma_tv", "chroma_tv_weight", loss=lambda ctx, im, feats, t: losses.chroma_tv_loss(im)),
)
NAMES = tuple(t.name for t in TERMS)
WEIGHT_FIELDS = tuple(t.weight for t in TERMS)


def active(settings) -> list:
    """The terms whose weight is not zero, in table order."""
    return [t for t in TERMS if getattr(settings, t.weight)]


def for_level(job, level: int):
    """The job at a level of the pyramid: terms that paint the layout (first_level) are off after
    the first level, where the finer levels refine the strokes the first one laid down, and the
    content weight there is fine_content times its own."""
    changes = {t.weight: 0.0 for t in TERMS if t.first_level and level > 0 and getattr(job.settings, t.weight)}
    if level > 0 and job.settings.fine_content != 1:
        changes["content_weight"] = job.settings.content_weight * job.settings.fine_content
    return dataclasses.replace(job, settings=job.settings.replace(**changes)) if changes else job


def build_targets(ctx, content: torch.Tensor, styles: list, blend) -> dict:
    """{term name: target} for the active terms at this scale's resolution."""
    with torch.no_grad():
        return {t.name: t.targets(ctx, content, styles, blend) if t.targets else None
                for t in active(ctx.settings)}


def evaluate(ctx, image: torch.Tensor, targets: dict) -> dict:
    """{term name: weighted loss, ..., "total": their sum} for the image."""
    on = [t for t in active(ctx.settings) if t.name in targets]
    layers = ctx.content_layers + tuple(ctx.style_weights) + (ctx.match_layers if "match" in targets else ())
    layers = tuple(dict.fromkeys(layers)) if any(t.features for t in on) else ()
    feats = ctx.net(image, layers) if layers else {}
    out = {t.name: getattr(ctx.settings, t.weight) * t.loss(ctx, image, feats, targets[t.name]) for t in on}
    out["total"] = sum(out.values())
    return out
