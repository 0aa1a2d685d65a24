"""Loss maths as pure functions on tensors. Features are (B, C, H, W).

Normalisation ("relative", brushwork's default): each layer's loss is the squared distance to its
target divided by the target's own squared norm, so a weight means the same on any backbone, layer
or image size. "classic": Gram = F F^T / (C*H*W) and mean squared error, as in Gatys et al. and
jcjohnson/neural-style (absolute values then depend on the backbone's activation scale).
"""
from __future__ import annotations

import torch


def gram(f: torch.Tensor, normalisation: str = "relative") -> torch.Tensor:
    """(B, C, C) channel co-activations, averaged over positions (and channels when classic)."""
    b, c, h, w = f.shape
    flat = f.reshape(b, c, h * w)
    g = flat @ flat.transpose(1, 2) / (h * w)
    return g / c if normalisation == "classic" else g


def moments(f: torch.Tensor) -> tuple:
    """Per-channel mean and standard deviation, each (B, C)."""
    flat = f.flatten(2)
    return flat.mean(2), (flat.var(2, unbiased=False) + 1e-8).sqrt()


def distance(x: torch.Tensor, target: torch.Tensor, normalisation: str = "relative") -> torch.Tensor:
    """Mean squared error (classic) or squared error relative to the target's norm (relative)."""
    if normalisation == "classic":
        return (x - target).pow(2).mean()
    return (x - target).pow(2).sum() / (target.pow(2).sum() + 1e-8)


def content_loss(feats: dict, targets: dict, normalisation: str = "relative") -> torch.Tensor:
    """Sum over content layers of the feature distance to the content image's features."""
    return sum(distance(feats[k], targets[k], normalisation) for k in targets)


def style_targets(feats: dict, kind: str, normalisation: str = "relative") -> dict:
    """{layer: statistics} of one style image's features; statistics are what style_loss compares."""
    out = {}
    for name, f in feats.items():
        stats = {}
        if "gram" in kind:
            stats["gram"] = gram(f, normalisation)
        if "moments" in kind:
            stats["mean"], stats["std"] = moments(f)
        out[name] = stats
    return out


def blend_targets(targets: list, weights) -> dict:
    """One style's statistics from several: a weighted mean of each statistic (weights sum to 1)."""
    total = float(sum(weights))
    return {layer: {k: sum(w / total * t[layer][k] for t, w in zip(targets, weights)) for k in targets[0][layer]}
            for layer in targets[0]}


def style_loss(feats: dict, targets: dict, layer_weights: dict, normalisation: str = "relative") -> torch.Tensor:
    """Weighted sum over style layers of the distance between the image's statistics and the target's."""
    total = 0.0
    for name, stats in targets.items():
        f = feats[name]
        layer = 0.0
        if "gram" in stats:
            layer = layer + distance(gram(f, normalisation), stats["gram"], normalisation)
        if "mean" in stats:
            mean, std = moments(f)
            layer = layer + distance(mean, stats["mean"], normalisation) + distance(std, stats["std"], normalisation)
        total = total + layer_weights[name] * layer
    return total


def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference between neighbouring pixels, (B, 3, H, W) in 0..1."""
    dx = image[..., :, 1:] - image[..., :, :-1]
    dy = image[..., 1:, :] - image[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()
