"""Print sizes: the same painting at 2048 or 4096 px, in bounded memory.

The plan (plan_levels): up to BASE px a run is exactly the plain coarse-to-fine one. Above it, the
levels of a BASE px run come first, with the same steps, so the layout and the strokes are the
ones the BASE px preview has; then levels at most twice as large each, up to the size, each with
`detail_steps` steps that add detail at that resolution.

Levels larger than WHOLE px are optimised in overlapping tiles (run_tiled). Each tile optimises
its window; what the network sees is the free window blended into the current image with a
feathered mask that is 0 at the window's edge, so the image stays continuous at every border and
what is written back is exactly what was optimised. The style statistics are computed once per
level from the whole style image (its features taken in tiles and stitched, style_features) and
shared by every tile; a tile's content features are taken on its window, margin included.
"""
from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F

from . import images, losses, settings, terms
from .errors import BrushworkError, Cancelled

BASE = 512  # long side of the run whose layout every larger size keeps
WHOLE = 1024  # levels up to this long side are optimised whole
TILE = 512  # core of a tile, in pixels (a multiple of ALIGN)
MARGIN = 96  # context around a core on each side (a multiple of ALIGN)
ALIGN = 32  # the largest feature stride: windows start on multiples of it
PREVIEW = 1024  # long side of the previews sent during tiled levels
MIN_SIDE = 16  # the deepest default layers need this many pixels each way


def plan_levels(size: int, scales: int, iterations: int, detail_steps: int, ratio: float) -> list:
    """[(long side, steps)] for every level, coarse to fine (see the module doc); `ratio` splits
    the iterations over the levels up to BASE (engine.split_iterations)."""
    from .engine import pyramid, split_iterations
    base = pyramid(min(size, BASE), scales)
    plan = list(zip(base, split_iterations(iterations, len(base), ratio)))
    if size <= BASE:
        return plan
    n = math.ceil(math.log2(size / BASE) - 1e-9)
    return plan + [(round(BASE * (size / BASE) ** (i / n)), detail_steps) for i in range(1, n + 1)]


def style_side(long_side: int, size: tuple, scale: float) -> int:
    """The style image's long side at a level: style_scale of the level's, and enough for MIN_SIDE
    px on its short side; a clear error for a style too thin for that."""
    need = math.ceil(MIN_SIDE * max(size) / min(size))
    if need > settings.MAX_SIZE:
        raise BrushworkError(f"a style image is {size[0]}x{size[1]}: too thin to use (at least {MIN_SIDE} px on its "
                             f"short side would need {need} px on its long side; crop it)")
    return max(16, round(long_side * scale), need)


def is_tiled(long_side: int) -> bool:
    return long_side > WHOLE


def spans(length: int, tile: int = 0, margin: int = -1) -> list:
    """[(core start, core end, window start, window end)] covering 0..length; cores are ALIGN-aligned
    and about equal, windows reach `margin` beyond the core (clipped to the image). Defaults: TILE
    and MARGIN."""
    tile, margin = tile or TILE, MARGIN if margin < 0 else margin
    n = max(1, math.ceil(length / tile))
    cuts = [0] + [min(length, round(length * i / n / ALIGN) * ALIGN) for i in range(1, n)] + [length]
    return [(a, b, max(0, a - margin), min(length, b + margin)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


def windows(shape, tile: int = 0, margin: int = -1) -> list:
    """[(rows span, columns span)] of the tiles of an (H, W) image, row by row."""
    return [(r, c) for r in spans(shape[0], tile, margin) for c in spans(shape[1], tile, margin)]


def ramp(length: int, lo: int, hi: int, core: tuple) -> torch.Tensor:
    """1-D weights over a window lo..hi: 1 on the core, falling linearly to 0 at a window edge
    that is inside the image (an image border keeps weight 1)."""
    x = torch.arange(lo, hi, dtype=torch.float32) + 0.5
    w = torch.ones(hi - lo)
    if lo > 0:
        w = torch.minimum(w, ((x - lo) / max(1, core[0] - lo)).clamp(0, 1))
    if hi < length:
        w = torch.minimum(w, ((hi - x) / max(1, hi - core[1])).clamp(0, 1))
    return w


def feather(shape, rows: tuple, cols: tuple) -> torch.Tensor:
    """(1, 1, h, w) blending mask of one window (see ramp)."""
    wy = ramp(shape[0], rows[2], rows[3], rows[:2])
    wx = ramp(shape[1], cols[2], cols[3], cols[:2])
    return (wy[:, None] * wx[None, :])[None, None]


def style_features(net, image: torch.Tensor, layers, tile: int = 0, margin: int = -1) -> dict:
    """{layer: features} of a large image, computed window by window without gradients and
    stitched core by core: what net(image, layers) gives, in the memory of one window."""
    strides = {i.name: i.stride for i in net.info}
    rows = []
    for r in spans(image.shape[-2], tile, margin):
        row = []
        for c in spans(image.shape[-1], tile, margin):
            with torch.no_grad():
                feats = net(image[..., r[2]:r[3], c[2]:c[3]], layers)
            row.append({k: _core(f, r, c, strides[k], image.shape[-2:]) for k, f in feats.items()})
        rows.append({k: torch.cat([t[k] for t in row], -1) for k in row[0]})
    return {k: torch.cat([r[k] for r in rows], -2) for k in rows[0]}


def _core(f: torch.Tensor, rows: tuple, cols: tuple, stride: int, shape) -> torch.Tensor:
    def cut(span, length, size):
        start = (span[0] - span[2]) // stride
        end = size if span[1] == length else start + (span[1] - span[0]) // stride
        return slice(start, end)
    return f[..., cut(rows, shape[0], f.shape[-2]), cut(cols, shape[1], f.shape[-1])]


def level_targets(job, content: torch.Tensor, styles: list, blend) -> dict:
    """{term: target} for a tiled level: style statistics from the whole style images, in the
    memory of one window; the content target is left to each tile (tile_targets)."""
    tiled = _TiledFeatures(job)
    out = {}
    with torch.no_grad():
        for t in terms.active(job.settings):
            if t.name == "content":
                out[t.name] = None
            elif t.name == "patch":
                scales = losses.patch_scales(content, *styles)
                out[t.name] = losses.blend_targets([patch_statistics(im, scales) for im in styles], blend)
            elif t.name == "colour":  # a palette is a histogram: a million pixels sample it well
                small = [images.resize_tensor(im, _fit(im.shape[-2:], 1 << 20)) for im in styles]
                out[t.name] = t.targets(job, content, small, blend)
            else:
                out[t.name] = t.targets(tiled, content, styles, blend) if t.targets else None
    return out


def tile_targets(job, targets: dict, content_window: torch.Tensor, here=None, level=None) -> dict:
    """The level's shared targets with this window's own content features. With `here` and `level`
    (the statistics of the starting image in this window and over the whole level), each style
    statistic keeps the offset the window had from the level: a window of sky is asked for the
    painting's statistics as the sky departs from them, not for the painting's average."""
    out = dict(targets)
    with torch.no_grad():
        if "content" in out:
            out["content"] = job.net(content_window, job.content_layers)
        for name in set(here or ()) & {"style", "patch"}:
            out[name] = shift(out[name], here[name], level[name])
    return out


def shift(target, here, level, key: str = ""):
    """target + (here - level), statistic by statistic (nested dicts of tensors)."""
    if isinstance(target, dict):
        out = {k: shift(target[k], here[k], level[k], k) for k in target}
        if "cov_sqrt" in out:
            out["cov_sqrt"] = losses.sqrtm(out["cov"])
        return out
    moved = target + (here - level)
    return moved.clamp_min(0) if key == "std" else moved


def start_statistics(job, content: torch.Tensor, image: torch.Tensor, tiled: bool) -> dict:
    """{"style"/"patch": statistics} of the starting image (whole level when tiled, or one window)."""
    ctx = _TiledFeatures(job) if tiled else job
    out = {}
    with torch.no_grad():
        for t in terms.active(job.settings):
            if t.name == "style":
                out[t.name] = t.targets(ctx, content, [image], (1.0,))
            elif t.name == "patch":
                out[t.name] = (patch_statistics if tiled else losses.patch_statistics)(
                    image, losses.patch_scales(content, image))
    return out


class _TiledFeatures:
    """The job, with a network that computes features window by window (style_features)."""

    def __init__(self, job):
        self.settings, self.content_layers, self.style_weights = job.settings, job.content_layers, job.style_weights
        self.net = lambda image, layers: style_features(job.net, image, layers)


def _fit(shape, pixels: int) -> tuple:
    scale = min(1.0, math.sqrt(pixels / (shape[0] * shape[1])))
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def patch_statistics(image: torch.Tensor, scales, size: int = losses.PATCH_SIZE, band: int = 256) -> dict:
    """losses.patch_statistics of a large image, accumulated band by band (exact, in float64)."""
    out = {}
    for factor in scales:
        x = F.avg_pool2d(image, factor) if factor > 1 else image
        total, outer, n = 0.0, 0.0, 0
        stride = losses.patch_stride(factor)
        step = band + (-band) % stride  # a multiple of the stride: the same patches as the whole image's
        for top in range(0, x.shape[-2] - size + 1, step):
            patches = F.unfold(x[..., top:top + step + size - 1, :], size, stride=stride).double()  # (B, D, positions)
            total = total + patches.sum(2)
            outer = outer + patches @ patches.transpose(1, 2)
            n += patches.shape[2]
        mean = total / n
        cov = outer / n - mean[:, :, None] * mean[:, None, :]
        out[factor] = {"mean": mean.to(image.dtype), "cov": cov.to(image.dtype)}
    return out


def level_steps(shape, steps: int) -> int:
    """Progress iterations a level counts: its steps, once per tile when tiled."""
    return steps * len(windows(shape)) if is_tiled(max(shape)) else steps


def run_tiled(job, optimise, image, content, styles, blend, steps: int, report, cancel, gain=None) -> torch.Tensor:
    """One level, tile by tile; `optimise` is engine.optimise (steps on one window, with a
    compose function); report(i, losses, image or a callable giving a downscaled preview).
    `gain`, a map for the whole level (engine.level_gain) or None, is cut to each window."""
    targets = level_targets(job, content, styles, blend)
    level = start_statistics(job, content, image, True)
    image = image.clone()
    for k, (rows, cols) in enumerate(windows(image.shape[-2:])):
        box = (..., slice(rows[2], rows[3]), slice(cols[2], cols[3]))
        share = (rows[1] - rows[0]) * (cols[1] - cols[0]) / image.shape[-2] / image.shape[-1]
        mask = feather(image.shape[-2:], rows, cols).to(image)
        context = image[box].clone()

        def compose(x, mask=mask, context=context):
            return mask * x + (1 - mask) * context

        def tile_report(step, values, x, k=k, box=box, share=share):
            window = lambda: x() if callable(x) else x  # noqa: E731 (the engine passes a decoder)
            report(k * steps + step, {n: v / share for n, v in values.items()}, lambda: preview(image, box, window()))
        try:
            here = start_statistics(job, content[box], context, False)
            image[box] = optimise(weighted(job, share), context, tile_targets(job, targets, content[box], here, level),
                                  steps, tile_report, cancel, compose, None if gain is None else gain[box])
        except Cancelled as stop:
            _paste_partial(stop, image, box)
            raise
    return image


def detail_job(job, long_side: int):
    """The job for a level finer than BASE: colour keeps the resolution it had at BASE relative
    to the picture (chroma_factor times long_side / BASE), as the strokes keep their size through
    the style scale, so a print scaled down has the preview's colour, not finer colour grain."""
    s = job.settings
    if long_side <= BASE or s.chroma_factor <= 1:
        return job
    return dataclasses.replace(job, settings=s.replace(chroma_factor=s.chroma_factor * long_side / BASE))


def weighted(job, share: float):
    """The job with every loss weight times the tile's share of the level: the level's loss is
    about the sum of its tiles' so weighted, and a tile's steps are then as long as the level's."""
    s = job.settings
    return dataclasses.replace(job, settings=s.replace(**{f: getattr(s, f) * share for f in terms.WEIGHT_FIELDS}))


def preview(image: torch.Tensor, box, window: torch.Tensor) -> torch.Tensor:
    """The whole image with the current window pasted in, at most PREVIEW px on its long side."""
    whole = image.clone()
    whole[box] = window
    return images.resize_tensor(whole, _fit(whole.shape[-2:], PREVIEW * PREVIEW * 3 // 4)) \
        if max(whole.shape[-2:]) > PREVIEW else whole


def _paste_partial(stop: Cancelled, image: torch.Tensor, box) -> None:
    """A cancelled tile carries its window; give the Cancelled the whole image instead."""
    if stop.image is not None:
        image[box] = images.to_tensor(stop.image, image.device)
        stop.image = images.to_image(image)


def total_steps(settings, width: int, height: int) -> int:
    """Progress iterations of a whole run on a width x height content image (Progress.total)."""
    plan = plan_levels(settings.size, settings.scales, settings.iterations, settings.detail_steps,
                       settings.level_ratio)
    total = 0
    for long_side, steps in plan:
        scale = long_side / max(width, height)
        total += level_steps((max(1, round(height * scale)), max(1, round(width * scale))), steps)
    return total
