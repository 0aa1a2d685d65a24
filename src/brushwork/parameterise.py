"""What the optimiser moves: the image written as a few tensors that decode to RGB.

Pixels are a poor set of knobs for painting. A step on one pixel moves nothing around it, so the
optimiser is as free to add single-pixel grain as to move a whole stroke, and colour can change
from one pixel to the next although the network's first, strided layer hardly sees it. Here:

- luminance is a Laplacian pyramid of `octaves` levels (Burt and Adelson 1983; as in STROTSS,
  Kolkin et al. 2019): a step on a coarse coefficient moves a whole region, so strokes move as a
  whole; the finest octave is scaled by `fine_gain` (below 1 makes pixel-level detail costlier);
- above the first level, the finest octave's gain can follow the coarser level's strokes
  (`detail_gain`): where the level below left a flat area the gain is low, so the finest level adds
  its 1-2 px scratches where there are strokes already instead of evenly over the picture;
- chroma (the I and Q of YIQ) lives at 1/`chroma_factor` of the resolution and is upsampled, as
  JPEG does: colour speckle cannot exist, by construction.

octaves=1, chroma_factor=1, fine_gain=1 is the plain pixel image. `fine_gain` is a number or a
(B, 1, H, W) map the size of the image.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .images import gauss_blur, rgb_to_yiq, yiq_to_rgb

DETAIL_SIGMA = 4.0  # window of the local contrast that detail_gain follows, in pixels of the level
DETAIL_RANGE = (0.25, 1.5)  # the map's clamp: never off, never far above the uniform gain


def down(t: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(t, size=size, mode="area")


def up(t: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(t, size=size, mode="bilinear", align_corners=False)


def is_plain(octaves: int, chroma_factor: float) -> bool:
    return octaves <= 1 and chroma_factor <= 1


def level_sizes(shape, octaves: int) -> list:
    """(H, W) of each pyramid level, finest first."""
    h, w = shape
    return [(max(1, round(h / 2 ** k)), max(1, round(w / 2 ** k))) for k in range(octaves)]


def detail_gain(image: torch.Tensor, power: float, sigma: float = DETAIL_SIGMA) -> torch.Tensor:
    """(B, 1, H, W) gain map from an image's local luminance contrast: the RMS gradient in a
    Gaussian window of `sigma` px, over its mean across the image, to the `power`, clamped to
    DETAIL_RANGE. Mean contrast maps to 1, flat areas below it, busy ones above; an image with no
    contrast at all (a flat colour) has nothing to follow and maps to 1 everywhere."""
    y = rgb_to_yiq(image)[:, :1]
    energy = F.pad((y[..., :, 1:] - y[..., :, :-1]).pow(2), (0, 1)) + \
        F.pad((y[..., 1:, :] - y[..., :-1, :]).pow(2), (0, 0, 0, 1))
    contrast = gauss_blur(energy, sigma).sqrt()
    mean = contrast.mean((2, 3), keepdim=True)
    ratio = torch.where(mean > 1e-6, contrast / mean.clamp_min(1e-6), torch.ones_like(contrast))  # flat: uniform
    return ratio.pow(power).clamp(*DETAIL_RANGE)


def encode(image: torch.Tensor, octaves: int = 1, chroma_factor: int = 1, fine_gain=1.0) -> list:
    """[luminance levels finest..coarsest, chroma] from an RGB image (B, 3, H, W) in 0..1; just
    [image] for the plain pixel image."""
    if is_plain(octaves, chroma_factor):
        return [image.detach().clone().contiguous()]
    yiq = rgb_to_yiq(image)
    sizes = level_sizes(image.shape[-2:], octaves)
    gauss = [yiq[:, :1]]
    for size in sizes[1:]:
        gauss.append(down(gauss[-1], size))
    levels = [g - up(gn, g.shape[-2:]) for g, gn in zip(gauss[:-1], gauss[1:])] + [gauss[-1]]
    if octaves > 1:
        levels[0] = levels[0] / fine_gain
    chroma = yiq[:, 1:]
    if chroma_factor > 1:
        h, w = image.shape[-2:]
        chroma = down(chroma, (max(1, round(h / chroma_factor)), max(1, round(w / chroma_factor))))
    return [t.detach().clone().contiguous() for t in levels + [chroma]]


def decode(params: list, shape, fine_gain=1.0) -> torch.Tensor:
    """The RGB image (B, 3, H, W) that `params` (from encode) stand for; differentiable."""
    if len(params) == 1:
        return params[0]
    *levels, chroma = params
    y = levels[-1]
    for k in range(len(levels) - 2, -1, -1):
        y = up(y, levels[k].shape[-2:]) + (levels[k] * fine_gain if k == 0 else levels[k])
    if chroma.shape[-2:] != tuple(shape):
        chroma = up(chroma, shape)
    return yiq_to_rgb(torch.cat([y, chroma], 1))
