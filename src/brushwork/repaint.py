"""A nearest-neighbour repaint: the photo rebuilt out of the painting's own patches.

Each position of the photo's features at one layer takes the painting position whose feature
vector is nearest by cosine (as in NNST, Kolkin et al. 2022), and the painting's RGB patch around
that position is pasted there. Overlapping patches cross-fade under a Hann window, so there is no
block grid where they meet. The result has the photo's layout of things (a roof where a roof is)
but the painting's tones and marks in each place: dark masses in a Turner sky, a Cubist's
angular planes of different hue on a row of house fronts. Mixed into the first level's start
(`Settings.repaint`), it lets the optimiser begin from a picture whose light and dark are laid out
the way the painting lays them out, which no loss term reached from the photo's own layout.

The repaint copies too much as it is: where the photo is bright it pastes the painting's brightest
thing (a moon on a house front), and where the photo is even it leaves a patchwork. The region start
(`Settings.region_tone`, `region_hue`) takes from it only each region's mean light, dark and hue:
the photo is cut into regions along its edges (`segments`), and each region's mean moves toward the
repaint's over it while the photo's own detail inside stays (`by_region`). Both are off by default:
on photos they were not tuned on, blind reviewers preferred the default (they smear faces and dim
lit subjects). docs/quality.md, tenth and eleventh rounds, has the panels.

Pure functions of tensors and a backbone; nothing is learned.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .images import rgb_to_yiq, yiq_to_rgb

PATCH = 2  # pasted patch width, in strides of the layer (16 px at a stride-8 layer): half-overlapping
CHUNK = 1024  # photo positions compared at once: the cosine matrix stays under ~40 MB (a 768 px painting)


def nearest(content_feats: torch.Tensor, style_feats: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """(N,) index of the nearest painting position (cosine) for each of the N photo positions,
    from (1, C, h, w) features of the photo and (1, C, H, W) of the painting."""
    c = F.normalize(content_feats.flatten(2)[0], dim=0)
    s = F.normalize(style_feats.flatten(2)[0], dim=0)
    return torch.cat([(c[:, i:i + chunk].t() @ s).argmax(1) for i in range(0, c.shape[1], chunk)])


def hann(k: int) -> torch.Tensor:
    """(k, k) separable Hann window with no zero at its edge: every pasted pixel counts a little."""
    w = torch.hann_window(k + 2, periodic=False)[1:-1]
    return w[:, None] * w[None, :]


def paste(painting: torch.Tensor, indices: torch.Tensor, grid: tuple, stride: int, patch: int = PATCH) -> torch.Tensor:
    """The (1, 3, grid_h * stride, grid_w * stride) image whose patch at each grid position is the
    painting's patch at position indices[i] of the painting's own grid; `painting` is sized to a
    whole number of strides. Overlaps are a Hann-weighted mean."""
    k = patch * stride
    pad = (k - stride) // 2
    chosen = F.unfold(painting, k, padding=pad, stride=stride)[..., indices]  # (1, 3*k*k, N)
    window = hann(k).to(painting).flatten().repeat(painting.shape[1])[None, :, None]  # unfold's channel-major order
    size = (grid[0] * stride, grid[1] * stride)
    total = F.fold(torch.ones_like(chosen) * window, size, k, padding=pad, stride=stride)
    return F.fold(chosen * window, size, k, padding=pad, stride=stride) / total.clamp_min(1e-6)


def repaint(net, layer: str, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """The photo `content` (1, 3, h, w) rebuilt from `style`'s patches, matched at `layer` of
    `net`; the same size as `content`, in 0..1."""
    stride = next(i.stride for i in net.info if i.name == layer)
    with torch.no_grad():
        fc, fs = net(content, (layer,))[layer], net(style, (layer,))[layer]
        (sh, sw) = fs.shape[-2:]
        painting = F.interpolate(style, size=(sh * stride, sw * stride), mode="bilinear", align_corners=False)
        out = paste(painting, nearest(fc, fs), fc.shape[-2:], stride)
        return F.interpolate(out, size=content.shape[-2:], mode="bilinear", align_corners=False).clamp(0, 1)


def blended(net, layer: str, content: torch.Tensor, styles: list, blend) -> torch.Tensor:
    """The repaints from each painting, mixed by the style blend weights."""
    total = float(sum(blend))
    return sum(w / total * repaint(net, layer, content, s) for s, w in zip(styles, blend) if w > 0)


SEGMENT_SCALE = 100.0  # Felzenszwalb's scale: larger makes larger regions
SEGMENT_MIN = 40  # the smallest region, in pixels of a 256 x 192 level (scaled with the area)


def segments(image: torch.Tensor):
    """(H, W) integer labels of the regions of `image` (1, 3, H, W): Felzenszwalb and
    Huttenlocher's graph segmentation (scikit-image), which cuts along the photo's edges and
    leaves an even sky whole."""
    from skimage.segmentation import felzenszwalb
    h, w = image.shape[-2:]
    smallest = max(4, round(SEGMENT_MIN * h * w / (256 * 192)))
    return felzenszwalb(image[0].permute(1, 2, 0).cpu().numpy(), scale=SEGMENT_SCALE, sigma=0.8, min_size=smallest)


def region_means(x: torch.Tensor, labels) -> torch.Tensor:
    """`x` (1, C, H, W) with every pixel replaced by the mean of its region in `labels` (H, W)."""
    c = x.shape[1]
    index = torch.as_tensor(labels, dtype=torch.long, device=x.device).reshape(-1)
    n = int(index.max()) + 1
    sums = torch.zeros(c, n, dtype=x.dtype, device=x.device).index_add_(1, index, x.reshape(c, -1))
    counts = torch.zeros(n, dtype=x.dtype, device=x.device).index_add_(0, index, torch.ones_like(index, dtype=x.dtype))
    return (sums / counts.clamp_min(1))[:, index].reshape(x.shape)


def by_region(start: torch.Tensor, painted: torch.Tensor, labels, tone: float, hue: float) -> torch.Tensor:
    """`start` with each region's mean luminance moved `tone` of the way to the mean of `painted`
    over it, and its chroma (the I and Q of YIQ) `hue` of the way to that mean's: the painting's
    light, dark and colour region by region, with the photo's edges as the borders and its detail
    kept inside each region."""
    yiq, target = rgb_to_yiq(start), region_means(rgb_to_yiq(painted), labels)
    yiq[:, 1:] = torch.lerp(yiq[:, 1:], target[:, 1:], hue)
    if tone:
        yiq[:, :1] = yiq[:, :1] + tone * (target[:, :1] - region_means(yiq[:, :1], labels))
    return yiq_to_rgb(yiq).clamp(0, 1)
