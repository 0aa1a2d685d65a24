"""Image statistics for scoring results: pure functions of (1, 3, H, W) RGB tensors in 0..1.
Every figure here is a distance or a defect, so lower is better throughout."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..images import rgb_to_yiq
from ..losses import gram


def relative_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||a - b|| / ||b||: 0 when equal, about 1 when unrelated (or when a is zero)."""
    return float((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-12))


def gram_distance(feats: dict, targets: dict) -> float:
    """Mean over layers of the relative distance between Gram matrices (Gatys' style statistic)."""
    return sum(relative_distance(gram(feats[k]), gram(targets[k])) for k in targets) / len(targets)


def content_distance(feats: dict, targets: dict) -> float:
    """Mean over layers of the relative distance between feature maps of the same size."""
    return sum(relative_distance(feats[k], targets[k]) for k in targets) / len(targets)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, directions: int = 64, quantiles: int = 256) -> float:
    """Sliced 1-Wasserstein distance between the RGB pixel colours of two images, in 8-bit levels:
    both pixel clouds are projected on fixed random unit directions (seed 0) and their sorted
    projections compared at `quantiles` evenly spaced ranks (so the image sizes may differ)."""
    g = torch.Generator().manual_seed(0)
    d = torch.randn(directions, 3, generator=g, dtype=torch.float64)
    d = d / d.norm(dim=1, keepdim=True)

    def ranks(t):
        proj = (d @ t[0].reshape(3, -1).double()).sort(dim=1).values
        idx = ((torch.arange(quantiles, dtype=torch.float64) + 0.5) / quantiles * proj.shape[1]).long()
        return proj[:, idx]
    return float((ranks(a) - ranks(b)).abs().mean() * 255)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of every channel, reflecting at the borders."""
    radius = max(1, int(3 * sigma + 0.5))
    k = torch.exp(-torch.arange(-radius, radius + 1, dtype=x.dtype) ** 2 / (2 * sigma ** 2))
    k = (k / k.sum()).to(x.device)
    c = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect" if min(x.shape[-2:]) > radius else "replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def speckle(image: torch.Tensor, sigma: float = 1.0) -> float:
    """Colour speckle: high-pass energy of the chroma channels (YIQ's I and Q) over that of the
    luminance. Fine colour noise that follows no light-dark edge makes it large; clean strokes,
    whose colour changes where their brightness does, keep it small."""
    yiq = rgb_to_yiq(image.double())
    energy = (yiq - gaussian_blur(yiq, sigma)).pow(2).mean(dim=(0, 2, 3))
    return float((energy[1] + energy[2]) / energy[0].clamp_min(1e-12))


def anisotropy(image: torch.Tensor, sigma: float = 2.0) -> float:
    """Energy-weighted structure-tensor anisotropy of the luminance: sum(l1 - l2) / sum(l1 + l2)
    over the pixels, with l1 >= l2 the eigenvalues of the Gaussian-smoothed gradient outer
    product. 1: every edge runs one way locally (long strokes); 0: no preferred direction (noise)."""
    y = rgb_to_yiq(image.double())[:, :1]
    gx = F.pad(y[..., :, 2:] - y[..., :, :-2], (1, 1, 0, 0), mode="replicate") / 2
    gy = F.pad(y[..., 2:, :] - y[..., :-2, :], (0, 0, 1, 1), mode="replicate") / 2
    jxx, jyy, jxy = gaussian_blur(torch.cat([gx * gx, gy * gy, gx * gy], 1), sigma).unbind(1)
    spread = ((jxx - jyy) ** 2 + 4 * jxy ** 2).sqrt()
    return float(spread.sum() / (jxx + jyy).sum().clamp_min(1e-12))


def coherence_gap(result: torch.Tensor, painting: torch.Tensor) -> float:
    """|anisotropy(result) - anisotropy(painting)|: how far the result's stroke coherence is
    from the painting's (0: as orderly as the painting's strokes)."""
    return abs(anisotropy(result) - anisotropy(painting))
