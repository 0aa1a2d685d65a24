"""Gatys-style transfer by optimising pixels. The core never prints or saves: it returns the image
and reports progress through a callback, which the CLI turns into a progress bar and the web
service into live updates."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch

from . import images, memory, parameterise, repaint, terms, tiles
from .backbones import Backbone, create_backbone
from .errors import BrushworkError, Cancelled
from .settings import Settings


@dataclass
class Progress:
    iteration: int  # 1-based, counted over all scales
    total: int
    level: int  # 0-based coarse-to-fine scale
    levels: int
    losses: dict = field(default_factory=dict)  # each active term (terms.py) and total (floats, weighted)
    image: Optional[object] = None  # a PIL preview on preview/snapshot iterations
    snapshot: bool = False  # True when settings.snapshot_every asks for this one to be kept


@dataclass
class Job:
    """Everything one level of the optimisation needs, resolved from the settings."""
    net: Backbone
    settings: Settings
    content_layers: tuple
    style_weights: dict  # style layer -> weight
    match_layers: tuple = ()  # the match term's layers


def pick_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise BrushworkError("--device cuda was asked for but no CUDA device is available")
    return torch.device("cuda" if name in ("auto", "cuda") and torch.cuda.is_available() else "cpu")


@functools.lru_cache(maxsize=2)
def cached_backbone(name: str, weights, pooling: str, device: str) -> Backbone:
    return create_backbone(name, weights, pooling, device)


def plan_job(settings: Settings, device) -> Job:
    return job_for(cached_backbone(settings.backbone, settings.weights, settings.pooling, str(device)), settings)


def job_for(net: Backbone, settings) -> Job:
    """The layers and style layer weights `settings` (Settings or fast.TrainSettings) ask of `net`."""
    content_layers = tuple(settings.content_layers or net.default_content)
    style_layers = tuple(settings.style_layers or net.default_style)
    match_layers = tuple(getattr(settings, "match_layers", None) or net.default_match or style_layers[2:4])
    net.check_layers(content_layers + style_layers + match_layers)
    weights = settings.style_layer_weights or (1.0,) * len(style_layers)
    total = sum(weights)
    return Job(net, settings, content_layers, {k: w / total for k, w in zip(style_layers, weights)}, match_layers)


def pyramid(size: int, scales: int) -> list:
    """Long sides of the coarse-to-fine levels, ending at `size`; automatic levels keep the
    coarsest at 128 px or more."""
    n = scales or (max(1, min(4, int(math.log2(size / 128)) + 1)) if size >= 128 else 1)
    return [max(16, round(size / 2 ** (n - 1 - i))) for i in range(n)]


def usable_levels(sizes: list, content_size: tuple) -> list:
    """The pyramid levels at which the content is tiles.MIN_SIDE px or more each way (a thin image
    skips the coarse levels); a clear error when even the finest level is too thin."""
    short = min(content_size) / max(content_size)
    kept = [n for n in sizes if short * n >= tiles.MIN_SIDE]
    if not kept:
        raise BrushworkError(f"the content image is {content_size[0]}x{content_size[1]}: at {sizes[-1]} px on the "
                             f"long side its short side would be {short * sizes[-1]:.1f} px, and at least "
                             f"{tiles.MIN_SIDE} px are needed each way (crop it to a wider shape or use a larger size)")
    return kept


def usable_plan(plan: list, content_size: tuple, iterations: int, ratio: float) -> list:
    """The plan without the levels a thin content image is too thin for; the iterations of the
    levels of a 512 px run are split again over those kept, so none is lost."""
    usable = set(usable_levels([long_side for long_side, _ in plan], content_size))
    if len(usable) == len(plan):
        return plan
    base = [long_side for long_side, _ in plan if long_side in usable and long_side <= tiles.BASE]
    finer = [(long_side, steps) for long_side, steps in plan if long_side in usable and long_side > tiles.BASE]
    return (list(zip(base, split_iterations(iterations, len(base), ratio))) if base else []) + finer


def split_iterations(total: int, levels: int, ratio: float) -> list:
    """Iterations per level, each level `ratio` times as many as the next finer one (2: halving
    from coarse to fine, so cheap coarse steps do most of the work)."""
    if total < levels:
        return [0] * (levels - 1) + [total]
    shares = [ratio ** (levels - 1 - i) for i in range(levels)]
    counts = [max(1, int(total * s / sum(shares))) for s in shares]
    counts[0] += total - sum(counts)
    return counts


def check_memory(job: Job, shape: tuple, device, styles=None) -> None:
    """Refuse a size whose run will not fit the memory budget, before any time is spent (memory.py);
    `styles` are the paintings' sizes (W, H)."""
    memory.check(job, shape, device, available_memory, styles)


def available_memory(device) -> Optional[int]:
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def make_targets(job: Job, content: torch.Tensor, styles: list, blend) -> dict:
    """{term: target} for every active loss term at this level's resolution (see terms.py)."""
    return terms.build_targets(job, content, styles, blend)


def objective(job: Job, image: torch.Tensor, targets: dict) -> dict:
    """{term: weighted loss, "total": their sum}."""
    return terms.evaluate(job, image, targets)


# The starts that start_colour fades; not under preserve_color histogram, where the painting was
# recoloured to the photo because the photo's colours are wanted.
FROM_PHOTO = ("content", "matched", "palette", "tonal")


def initial_image(s: Settings, content: torch.Tensor, generator: torch.Generator, styles=(), job=None,
                  blend=None) -> torch.Tensor:
    """The first level's start. With `job` (its network and match layers), a start made from the
    photo takes from the nearest-neighbour repaint (repaint.py) what settings.repaint (the whole
    image), region_tone and region_hue (each region's mean light and colour) say."""
    start = _start(s, content, generator, styles)
    if s.init in FROM_PHOTO and styles and s.start_colour < 1 and s.preserve_color != "histogram":
        start = images.fade_colour(start, styles[0], s.start_colour)
    if s.init in FROM_PHOTO and styles and job is not None and (s.repaint or s.region_tone or s.region_hue):
        painted = repaint.blended(job.net, job.match_layers[0], content, styles, blend or (1.0,) * len(styles))
        if s.repaint:
            start = torch.lerp(start, painted, s.repaint)
        if s.region_tone or s.region_hue:
            start = repaint.by_region(start, painted, repaint.segments(content), s.region_tone, s.region_hue)
    return start


def _start(s: Settings, content: torch.Tensor, generator: torch.Generator, styles) -> torch.Tensor:
    noise = torch.rand(content.shape, generator=generator).to(content.device)
    if s.init == "content":
        return content.clone()
    if s.init == "matched":  # the first (or only) style's palette: colour is the slowest thing to move
        return images.match_colour(content, styles[0]) if styles else content.clone()
    if s.init == "palette":  # the style's whole colour distribution, brightest to darkest
        return images.transfer_palette(content, styles[0]) if styles else content.clone()
    if s.init == "tonal":  # the painting decides what colour each brightness is painted in
        return images.paint_by_luminance(content, styles[0]) if styles else content.clone()
    if s.init == "noise":
        return noise
    if s.init == "mix":
        return (1 - s.noise_ratio) * content + s.noise_ratio * noise
    init = images.to_tensor(images.load_image(s.init_image, "init image"), content.device)
    return images.resize_tensor(init, content.shape[-2:])


def make_optimizer(s: Settings, params: list):
    if s.optimizer == "lbfgs":
        return torch.optim.LBFGS(params, lr=s.learning_rate, max_iter=1, history_size=50)
    return torch.optim.Adam(params, lr=s.learning_rate, betas=(s.adam_beta1, s.adam_beta2))


def optimise(job: Job, image, targets, steps: int, report: Callable, cancel, compose=None, gain=None) -> torch.Tensor:
    """`steps` optimiser steps on `image`, written as settings.octaves/chroma_factor say
    (parameterise.py); report(step, losses, x) after each. `compose` maps the decoded image to
    what is scored and returned (tiles.py blends a window into its surroundings). `gain` is the
    finest octave's gain, a number or a map (detail_gain); settings.fine_gain when None."""
    compose = compose or (lambda x: x)
    s = job.settings
    gain = s.fine_gain if gain is None else gain
    params = [p.requires_grad_(True) for p in parameterise.encode(image, s.octaves, s.chroma_factor, gain)]
    shape = image.shape[-2:]
    opt = make_optimizer(s, params)
    last = {}

    def closure():
        opt.zero_grad(set_to_none=True)
        values = objective(job, compose(parameterise.decode(params, shape, gain)), targets)
        values["total"].backward()
        last.update({k: float(v.detach()) for k, v in values.items()})
        return values["total"]

    def current():
        with torch.no_grad():
            return compose(parameterise.decode(params, shape, gain)).clamp(0, 1)

    for step in range(steps):
        if cancel is not None and (cancel.is_set() if hasattr(cancel, "is_set") else cancel()):
            raise Cancelled(images.to_image(current()))
        opt.step(closure)
        if not math.isfinite(last["total"]):
            raise BrushworkError(f"the loss became {last['total']} at step {step + 1}: lower the "
                                 f"learning rate or the loss weights")
        if s.optimizer == "adam" and len(params) == 1:
            with torch.no_grad():
                params[0].clamp_(0, 1)
        report(step, dict(last), current)  # decoded only when a preview is due
    return current()


def stylize(content, styles, settings: Optional[Settings] = None,
            progress: Optional[Callable[[Progress], None]] = None, cancel=None):
    """Repaint `content` in the style of `styles` (one or a list; paths, bytes or PIL images).
    Returns a PIL image. `cancel` is a threading.Event or a callable; when it fires, Cancelled
    is raised carrying the image reached so far."""
    s = (settings or Settings()).validate()
    styles = list(styles) if isinstance(styles, (list, tuple)) else [styles]
    if not styles:
        raise BrushworkError("at least one style image is needed")
    blend = s.style_blend or (1.0,) * len(styles)
    if len(blend) != len(styles):
        raise BrushworkError(f"{len(styles)} style images but {len(blend)} blend weights")
    content_im = images.load_image(content, "content image")
    style_ims = [images.load_image(p, "style image") for p in styles]
    usable_levels(pyramid(s.size, s.scales), content_im.size)
    for im in style_ims:
        tiles.style_side(s.size, im.size, s.style_scale)
    device = pick_device(s.device)
    job = plan_job(s, device)
    check_memory(job, images.resize_long(content_im, s.size).size[::-1], device, [im.size for im in style_ims])
    result = run_levels(job, content_im, style_ims, blend, device, progress, cancel)
    if s.preserve_color == "luminance":
        result = images.keep_luminance(result, images.to_tensor(content_im, device))
    return images.to_image(result)


def run_levels(job: Job, content_im, style_ims, blend, device, progress, cancel) -> torch.Tensor:
    s = job.settings
    generator = torch.Generator().manual_seed(s.seed)
    plan = usable_plan(tiles.plan_levels(s.size, s.scales, s.iterations, s.detail_steps, s.level_ratio),
                       content_im.size, s.iterations, s.level_ratio)
    contents = [images.resize_long(content_im, long_side) for long_side, _ in plan]
    counts = [tiles.level_steps(c.size[::-1], steps) for c, (_, steps) in zip(contents, plan)]
    done, image, preview = 0, None, None
    for level, (content_level, (long_side, steps)) in enumerate(zip(contents, plan)):
        if long_side > tiles.BASE and preview is None and image is not None:
            preview = image  # the result a 512 px run gives: the finer levels add detail to it
        content = images.to_tensor(content_level, device)
        styles = [images.to_tensor(images.resize_long(im, tiles.style_side(long_side, im.size, s.style_scale)), device)
                  for im in style_ims]
        if s.preserve_color == "histogram":
            styles = [images.match_colour(st, content) for st in styles]
        image = initial_image(s, content, generator, styles, job, blend) if image is None else \
            images.resize_tensor(image, content.shape[-2:])
        report = _reporter(s, progress, done, level, len(plan), counts[level], sum(counts))
        level_job = terms.for_level(tiles.detail_job(job, long_side), level)
        gain = level_gain(s, image) if level else None
        if tiles.is_tiled(long_side):
            image = tiles.run_tiled(level_job, optimise, image, content, styles, blend, steps, report, cancel, gain)
        else:
            image = optimise(level_job, image, make_targets(level_job, content, styles, blend), steps, report, cancel,
                             gain=gain)
        done += counts[level]
    if preview is not None and s.keep_preview:
        image = torch.lerp(image, images.back_project(image, preview), s.keep_preview).clamp(0, 1)
    return image


def level_gain(s: Settings, image: torch.Tensor):
    """The finest octave's gain at a level that refines `image`, a coarser level's result upsampled:
    a map following its strokes (detail_follow), or None for the uniform fine_gain."""
    if not s.detail_follow or s.octaves <= 1:
        return None
    return s.fine_gain * parameterise.detail_gain(image, s.detail_follow)


def _reporter(s: Settings, progress, done: int, level: int, levels: int, steps: int, total: int):
    def report(step, terms, x):
        if progress is None:
            return
        i = done + step + 1
        snapshot = bool(s.snapshot_every) and i % s.snapshot_every == 0
        preview = snapshot or step == steps - 1 or bool(s.preview_every) and i % s.preview_every == 0
        image = images.to_image(x() if callable(x) else x) if preview else None  # a callable: decoded only when needed
        progress(Progress(i, total, level, levels, terms, image, snapshot))
    return report
