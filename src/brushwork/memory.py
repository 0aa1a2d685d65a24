"""How much memory a run will take, before it starts, and the largest size that fits a budget.

The peak is the memory the process holds already (the network, the libraries), what a run's first
steps add to it (RUNTIME), and, at the level where it is largest, the level's whole-size images
(content, result) plus the larger of: the area optimised at once (the whole level, or one tile's
window) times what one pixel costs there, and the paintings' features while the level's style
targets are computed (the paintings are resized to the level times the style scale, whatever
their own size, so a large painting costs more at every level). What one pixel costs is
measured on a small probe: the tensors autograd keeps for backward (network and every active
loss term) and the optimiser's state for the parameters. ACTIVATIONS, IMAGES, STYLE and RUNTIME
are calibrated against measured peak RSS by benchmarks/bench_sizes.py (docs/print-size.md).
"""
from __future__ import annotations

import resource
from typing import Optional

import torch

from . import parameterise, terms, tiles
from .errors import BrushworkError

PROBE = 128  # side of the probe image
ACTIVATIONS = 1.3  # peak memory per byte of kept tensors (gradients, temporaries), measured
IMAGES = 160  # bytes per output pixel for the whole-size images a level keeps, measured
STYLE = 60  # bytes per painting pixel while a level's style targets are computed (its stitched features)
RUNTIME = int(0.35 * 2 ** 30)  # what a run's first steps add to the process (math libraries' buffers), measured
GiB = 2 ** 30


def per_pixel(job, device) -> tuple:
    """(bytes kept for backward, optimiser bytes) per pixel of an optimised area."""
    probe = torch.rand(1, 3, PROBE, PROBE, device=device, requires_grad=True)
    saved = {}
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.setdefault(_key(t), t.numel() * t.element_size())
                                                  or t, lambda t: t):
        alive = [job.net(probe, job.content_layers + tuple(job.style_weights))]  # kept: no address reuse
        for term in terms.active(job.settings):
            if term.memory:  # e.g. the patch term's full-resolution patches cost about as much as the network
                alive.append(term.memory(probe))
    s = job.settings
    params = sum(p.numel() for p in parameterise.encode(probe.detach(), s.octaves, s.chroma_factor, s.fine_gain))
    return sum(saved.values()) / PROBE ** 2, params * 4 / PROBE ** 2


def _key(t: torch.Tensor):
    return (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape)) if t.device.type != "meta" else id(t)


def optimiser_copies(settings, steps: int) -> int:
    """Parameter-sized tensors the optimiser holds: L-BFGS keeps two per remembered step."""
    return 2 * min(steps, 50) + 4 if settings.optimizer == "lbfgs" else 4


def largest_area(shape) -> int:
    """Pixels optimised at once at a level of this (H, W): the whole level, or its largest window."""
    if not tiles.is_tiled(max(shape)):
        return shape[0] * shape[1]
    return max((r[3] - r[2]) * (c[3] - c[2]) for r, c in tiles.windows(shape))


def scaled(shape, long_side: int) -> tuple:
    """(H, W) of `shape` resized to this long side, at least 1 px each way."""
    scale = long_side / max(shape)
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def style_pixels(long_side: int, styles, scale: float) -> int:
    """Pixels of the paintings (W, H) at a level of this long side, each resized as the run resizes
    it (tiles.style_side), whatever its own size."""
    total = 0
    for w, h in styles:
        side = tiles.style_side(long_side, (w, h), scale)
        total += side * max(1, round(side * min(w, h) / max(w, h)))
    return total


def estimate(job, shape, device, costs=None, styles=None) -> int:
    """Peak bytes of a run whose output is `shape` (H, W), the memory held now included; `costs`
    is per_pixel's answer when already known; `styles` the paintings' sizes (W, H), by default one
    painting shaped like the output. Each level holds its largest optimised area, its own
    whole-size images and its paintings; the peak is the largest level's."""
    s = job.settings
    kept, params = costs or per_pixel(job, device)
    styles = styles or [(shape[1], shape[0])]
    peak = 0
    for long_side, steps in tiles.plan_levels(max(shape), s.scales, s.iterations, s.detail_steps,
                                                s.level_ratio):
        level = scaled(shape, long_side)
        area = largest_area(level) * (kept * ACTIVATIONS + params * optimiser_copies(s, steps))
        painting = STYLE * style_pixels(long_side, styles, s.style_scale)  # its targets come first, then the steps
        peak = max(peak, IMAGES * level[0] * level[1] + max(area, painting))
    return held_now(device) + RUNTIME + peak


def held_now(device) -> int:
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device)
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def budget(settings, device, available) -> Optional[int]:
    """Bytes the run may peak at: max_memory, or what is held now plus the free memory."""
    if settings.max_memory:
        return int(settings.max_memory * GiB)
    free = available(device)
    return None if free is None else held_now(device) + free


def check(job, shape, device, available, styles=None) -> None:
    """Refuse a size that will not fit the budget, before any time is spent; name the largest that would."""
    limit = budget(job.settings, device, available)
    need = estimate(job, shape, device, styles=styles)
    if limit is None or need <= limit:
        return
    largest = largest_size(job, shape, device, limit, styles)
    hint = f"the largest size that fits is about {largest} px" if largest else "no size fits: free some memory"
    raise BrushworkError(f"a {shape[1]}x{shape[0]} image needs about {need / GiB:.1f} GiB with {job.net.name}, "
                         f"more than the {limit / GiB:.1f} GiB {'budget' if job.settings.max_memory else 'free'}"
                         f": {hint}, or use a smaller size")


def largest_size(job, shape, device, limit: int, styles=None) -> int:
    """The largest long side (a multiple of 64, from 64) whose estimate fits `limit`; 0 if none."""
    costs = per_pixel(job, device)

    def fits(long_side):
        return estimate(job, scaled(shape, long_side), device, costs, styles) <= limit  # no styles: shaped like it
    lo, hi = 0, max(shape) // 64
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid * 64) else (lo, mid - 1)
    return lo * 64
