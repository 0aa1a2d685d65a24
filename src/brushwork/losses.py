"""Loss maths as pure functions on tensors. Features are (B, C, H, W).

Normalisation ("relative", brushwork's default): each layer's loss is the squared distance to its
target divided by the target's own squared norm, so a weight means the same on any backbone, layer
or image size. "classic": Gram = F F^T / (C*H*W) and mean squared error, as in Gatys et al. and
jcjohnson/neural-style (absolute values then depend on the backbone's activation scale).
"""
from __future__ import annotations

import math

import torch

from .images import gauss_blur, rgb_to_yiq


def gram(f: torch.Tensor, normalisation: str = "relative") -> torch.Tensor:
    """(B, C, C) channel co-activations, averaged over positions (and channels when classic)."""
    b, c, h, w = f.shape
    flat = f.reshape(b, c, h * w)
    g = flat @ flat.transpose(1, 2) / (h * w)
    return g / c if normalisation == "classic" else g


def smooth(f: torch.Tensor, kind: str = "none") -> torch.Tensor:
    """Activation smoothing before the style statistics (Wang et al., CVPR 2021: the peaky
    activations of modern networks let a few channels dominate the Gram matrix). "softmax" takes
    a softmax over the channels at each position, "softmax-space" over the positions of each
    channel; either is scaled to mean 1 so image size and channel count do not change its scale.
    The features are first divided by their RMS: block outputs of EfficientNet are signed with a
    spread near 10, where a plain softmax would be almost one-hot."""
    if kind == "none":
        return f
    b, c, h, w = f.shape
    f = f / f.pow(2).mean((1, 2, 3), keepdim=True).sqrt().clamp_min(1e-6)
    if kind == "softmax":
        return torch.softmax(f, 1) * c
    if kind == "softmax-space":
        return torch.softmax(f.reshape(b, c, h * w), 2).reshape(f.shape) * (h * w)
    raise ValueError(f"unknown smoothing '{kind}'")


def moments(f: torch.Tensor) -> tuple:
    """Per-channel mean and standard deviation, each (B, C)."""
    flat = f.flatten(2)
    return flat.mean(2), (flat.var(2, unbiased=False) + 1e-8).sqrt()


def covariance(f: torch.Tensor) -> tuple:
    """Per-channel mean (B, C) and channel covariance (B, C, C) over positions."""
    flat = f.flatten(2)
    mean = flat.mean(2)
    centred = flat - mean[..., None]
    return mean, centred @ centred.transpose(1, 2) / flat.shape[2]


def sqrtm(m: torch.Tensor) -> torch.Tensor:
    """Square root of symmetric positive semi-definite matrices (B, C, C)."""
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag_embed(vals.clamp_min(0).sqrt()) @ vecs.transpose(1, 2)


def wasserstein(mean, cov, target: dict, normalisation: str = "relative") -> torch.Tensor:
    """Squared 2-Wasserstein distance between the Gaussians N(mean, cov) and the target's
    (w2_mean, cov, cov_sqrt): |m - mt|^2 + tr(S) + tr(St) - 2 tr((St^1/2 S St^1/2)^1/2).
    Relative: divided by the target's second moment |mt|^2 + tr(St); classic: by C."""
    root = target["cov_sqrt"]
    cross = torch.linalg.eigvalsh(root @ cov @ root).clamp_min(1e-8).sqrt().sum(-1)
    t_trace = target["cov"].diagonal(dim1=1, dim2=2).sum(-1)
    d = (mean - target["w2_mean"]).pow(2).sum(-1) + cov.diagonal(dim1=1, dim2=2).sum(-1) + t_trace - 2 * cross
    scale = target["w2_mean"].pow(2).sum(-1) + t_trace if normalisation == "relative" else mean.shape[1]
    return (d / scale).mean()


def distance(x: torch.Tensor, target: torch.Tensor, normalisation: str = "relative") -> torch.Tensor:
    """Mean squared error (classic) or squared error relative to the target's norm (relative)."""
    if normalisation == "classic":
        return (x - target).pow(2).mean()
    return (x - target).pow(2).sum() / (target.pow(2).sum() + 1e-8)


def content_loss(feats: dict, targets: dict, normalisation: str = "relative") -> torch.Tensor:
    """Sum over content layers of the feature distance to the content image's features."""
    return sum(distance(feats[k], targets[k], normalisation) for k in targets)


def style_targets(feats: dict, kind: str, normalisation: str = "relative", smoothing: str = "none") -> dict:
    """{layer: statistics} of one style image's features; statistics are what style_loss compares."""
    out = {}
    for name, f in feats.items():
        f = smooth(f, smoothing)
        stats = {}
        if "wasserstein" in kind:
            stats["w2_mean"], stats["cov"] = covariance(f)
            stats["cov_sqrt"] = sqrtm(stats["cov"])
        if "gram" in kind:
            stats["gram"] = gram(f, normalisation)
        if "moments" in kind:
            stats["mean"], stats["std"] = moments(f)
        out[name] = stats
    return out


def blend_targets(targets: list, weights) -> dict:
    """One style's statistics from several: a weighted mean of each statistic (weights sum to 1)."""
    total = float(sum(weights))
    out = {layer: {k: sum(w / total * t[layer][k] for t, w in zip(targets, weights)) for k in targets[0][layer]}
           for layer in targets[0]}
    for stats in out.values():
        if "cov_sqrt" in stats and len(targets) > 1:
            stats["cov_sqrt"] = sqrtm(stats["cov"])  # the root of the blend, not the blend of roots
    return out


def style_loss(feats: dict, targets: dict, layer_weights: dict, normalisation: str = "relative",
               smoothing: str = "none") -> torch.Tensor:
    """Weighted sum over style layers of the distance between the image's statistics and the target's."""
    total = 0.0
    for name, stats in targets.items():
        f = smooth(feats[name], smoothing)
        layer = 0.0
        if "cov" in stats:
            mean, cov = covariance(f)
            layer = wasserstein(mean, cov, stats, normalisation)
        if "gram" in stats:
            layer = layer + distance(gram(f, normalisation), stats["gram"], normalisation)
        if "mean" in stats:
            mean, std = moments(f)
            layer = layer + distance(mean, stats["mean"], normalisation) + distance(std, stats["std"], normalisation)
        total = total + layer_weights[name] * layer
    return total


def feature_matches(feats: dict) -> dict:
    """{layer: (B, C, M) unit feature vectors}: the painting's features at each position, for
    match_loss to find each image position's nearest neighbour among."""
    return {k: _unit(f) for k, f in feats.items()}


def _unit(f: torch.Tensor) -> torch.Tensor:
    flat = f.flatten(2)
    return flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-6)


def match_loss(feats: dict, targets: dict) -> torch.Tensor:
    """Mean over layers of the nearest-neighbour cosine distance between the image's feature
    vectors and the painting's, both ways (the relaxed earth mover's distance of STROTSS, Kolkin
    et al. 2019): each position of the image must look like some position of the painting, and
    each position of the painting must be used somewhere. Gram statistics only ask for the
    painting's averages, so a house front may keep the photo's smooth surface; this asks that
    its features be ones the painting has."""
    total = 0.0
    for name, style in targets.items():
        cost = 1 - _unit(feats[name]).transpose(1, 2) @ style  # (B, N image, M painting)
        total = total + 0.5 * (cost.min(2)[0].mean() + cost.min(1)[0].mean())
    return total / max(1, len(targets))


PATCH_SIZE = 3
PATCH_SCALES = (1, 2, 4)
FINE_STRIDE = 2  # at full resolution every other patch each way: 3x3 patches at stride 2 still cover
# every pixel, the statistics move by under 0.3% (tubingen, 512 px) and the term costs half as much


def patch_scales(*images: torch.Tensor, size: int = PATCH_SIZE, scales=PATCH_SCALES) -> tuple:
    """The downsampling factors at which every one of `images` still holds a whole patch."""
    return tuple(f for f in scales if all(min(im.shape[-2:]) // f >= size for im in images))


def patch_stride(factor: int) -> int:
    """Stride between the patches read at a downsampling factor (FINE_STRIDE at full resolution)."""
    return FINE_STRIDE if factor == 1 else 1


def patch_statistics(image: torch.Tensor, scales=PATCH_SCALES, size: int = PATCH_SIZE) -> dict:
    """{factor: {"mean": (B, D), "cov": (B, D, D)}} of the size x size colour patches of `image`
    downsampled by each factor, D = 3 * size * size: pixel-level texture (fine brush marks, local
    colour contrast) that a backbone's first, already strided layer barely constrains."""
    out = {}
    for factor in scales:
        x = torch.nn.functional.avg_pool2d(image, factor) if factor > 1 else image
        patches = torch.nn.functional.unfold(x, size, stride=patch_stride(factor))  # (B, D, positions)
        mean = patches.mean(2)
        centred = patches - mean[..., None]
        out[factor] = {"mean": mean, "cov": centred @ centred.transpose(1, 2) / patches.shape[2]}
    return out


def patch_loss(image: torch.Tensor, targets: dict, size: int = PATCH_SIZE) -> torch.Tensor:
    """Mean over scales of the relative distances of the patch means and covariances of `image`
    to `targets` (the style's patch_statistics)."""
    stats = patch_statistics(image, tuple(targets), size)
    total = sum(distance(stats[f]["mean"], t["mean"]) + distance(stats[f]["cov"], t["cov"])
                for f, t in targets.items())
    return total / max(1, len(targets))


def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference between neighbouring pixels, (B, 3, H, W) in 0..1."""
    dx = image[..., :, 1:] - image[..., :, :-1]
    dy = image[..., 1:, :] - image[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()


def chroma_tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation of the chrominance (the I and Q channels of YIQ) only: penalises colour
    speckle, which EfficientNet features barely see, without blurring light-dark edges."""
    return tv_loss(rgb_to_yiq(image)[:, 1:])


COLOUR_PIXELS = 1 << 15  # the palette is compared on at most this many (area-averaged) pixels


def colour_directions(n: int = 16, seed: int = 0) -> torch.Tensor:
    """(3, n) fixed unit directions in RGB: the luminance axis, the two opponent axes and the rest
    random, so the sliced distance always sees light-dark and the main colour contrasts."""
    g = torch.Generator().manual_seed(seed)
    fixed = torch.tensor([[1.0, 1, 1], [1, -1, 0], [1, 1, -2]]).t()
    d = torch.cat([fixed, torch.randn(3, max(0, n - 3), generator=g)], 1)
    return d / d.norm(dim=0, keepdim=True)


def colour_targets(style: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """(n, P) sorted projections of the style's pixels on each direction: its colour histogram."""
    return torch.sort(directions.t().to(style) @ _palette_pixels(style).flatten(2)[0], 1)[0]


def _palette_pixels(image: torch.Tensor) -> torch.Tensor:
    """The image area-averaged to at most COLOUR_PIXELS pixels (a palette is not pixel detail,
    and sorting is the cost)."""
    factor = math.ceil(math.sqrt(image.shape[-2] * image.shape[-1] / COLOUR_PIXELS))
    return torch.nn.functional.avg_pool2d(image, factor, ceil_mode=True) if factor > 1 else image


def colour_loss(image: torch.Tensor, targets: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """Sliced Wasserstein distance (squared) between the colour histograms of `image` and the
    style: the palette itself, not only its mean and covariance, so colours stay as vivid and as
    distinct as the painting's. Targets are resampled to the image's pixel count."""
    proj = torch.sort(directions.t().to(image) @ _palette_pixels(image).flatten(2)[0], 1)[0]  # (n, P)
    if targets.shape[1] != proj.shape[1]:
        targets = torch.nn.functional.interpolate(targets[None], size=proj.shape[1], mode="linear",
                                                  align_corners=True)[0]
    return (proj - targets).pow(2).mean() / targets.var(1).mean().clamp_min(1e-8)


STROKE_SIGMAS = (1.5, 3.0)  # structure-tensor window sizes, in pixels of the level
BANDED = 1024  # images with more rows than this have their stroke statistics summed band by band


def stroke_statistics(image: torch.Tensor, sigmas=STROKE_SIGMAS, band: int = 0) -> torch.Tensor:
    """(B, len(sigmas)) energy-weighted coherence of the luminance structure tensor, one per window
    size: 0 for isotropic grain, 1 for perfectly parallel strokes. How long and aligned the marks
    are, which Gram statistics of a strided network barely see. Taken whole up to BANDED rows, and
    above (or with `band` > 0) summed over bands of rows, each with the blur's margin of real rows
    above and below and counting only its own (exact): the structure tensors of a whole 6144 px
    painting (4096 px output, style scale 1.5) took 7 GiB."""
    rows = image.shape[-2] - 1  # rows of the structure tensor
    band = band or (rows if rows <= BANDED else 256)
    margin, anisotropy, energy = stroke_margin(sigmas), 0.0, 0.0
    for top in range(0, rows, band):
        lo, hi = max(0, top - margin), min(image.shape[-2], top + band + margin + 1)
        a, e = stroke_sums(image[..., lo:hi, :], sigmas, rows=slice(top - lo, top - lo + min(band, rows - top)))
        anisotropy, energy = anisotropy + a, energy + e
    return anisotropy / (energy + 1e-12)


def stroke_margin(sigmas=STROKE_SIGMAS) -> int:
    """Rows of context stroke_sums needs on each side of the rows it counts: the widest blur."""
    return int(3 * max(sigmas) + 0.5)


def stroke_sums(image: torch.Tensor, sigmas=STROKE_SIGMAS, rows: slice = slice(None)) -> tuple:
    """The sums stroke_statistics divides, each (B, len(sigmas)): the structure tensor's anisotropy
    and its energy (trace), over the tensor's rows `rows` (row i from the image's rows i and i+1).
    Sums add, so a large image can be taken band by band (stroke_statistics)."""
    y = rgb_to_yiq(image)[:, :1]
    gx = y[..., :-1, 1:] - y[..., :-1, :-1]
    gy = y[..., 1:, :-1] - y[..., :-1, :-1]
    tensor = torch.cat([gx * gx, gx * gy, gy * gy], 1)  # (B, 3, H-1, W-1)
    anisotropy, energy = [], []
    for sigma in sigmas:
        jxx, jxy, jyy = gauss_blur(tensor, sigma)[..., rows, :].unbind(1)
        anisotropy.append(((jxx - jyy) ** 2 + 4 * jxy ** 2 + 1e-12).sqrt().flatten(1).sum(1))
        energy.append((jxx + jyy).flatten(1).sum(1))
    return torch.stack(anisotropy, 1), torch.stack(energy, 1)


def stroke_loss(image: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared difference of the stroke coherences (stroke_statistics) to the painting's."""
    return (stroke_statistics(image, STROKE_SIGMAS) - target).pow(2).sum(1).mean()


def range_loss(image: torch.Tensor) -> torch.Tensor:
    """Mean squared excursion of the pixels outside 0..1. The saved image is clipped to that range,
    and clipping one channel of a dark or bright pixel but not the others shifts its hue: under a
    smooth chroma that is the red/green speckle of shadows. This keeps what is optimised what is saved."""
    return (torch.relu(-image).pow(2) + torch.relu(image - 1).pow(2)).mean()
