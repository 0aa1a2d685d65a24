"""Reading, writing and colour maths for images. Tensors are (1, 3, H, W) RGB floats in 0..1."""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BrushworkError
from .files import write_atomic  # noqa: F401 - images.write_atomic, as callers know it

MAX_PIXELS = 100_000_000  # larger inputs are refused as possible decompression bombs
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF",
                  ".tiff": "TIFF", ".bmp": "BMP"}


def load_image(source, what: str = "image") -> Image.Image:
    """An RGB Pillow image from a path, bytes or a Pillow image, upright per its EXIF orientation.
    Grayscale, alpha (composited on white), palette, CMYK and 16-bit inputs become 8-bit RGB."""
    if isinstance(source, Image.Image):
        return to_rgb(source)
    name = "uploaded data" if isinstance(source, (bytes, bytearray)) else str(source)
    if not isinstance(source, (bytes, bytearray)) and not Path(source).is_file():
        raise BrushworkError(f"{what} not found: {name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise Image.DecompressionBombError
                if im.width == 0 or im.height == 0:
                    raise BrushworkError(f"{what} {name} has zero size")
                im.load()
                return to_rgb(ImageOps.exif_transpose(im))
    except UnidentifiedImageError:
        raise BrushworkError(f"{what} {name} is not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BrushworkError(f"{what} {name} is too large (over {MAX_PIXELS:,} pixels): "
                             f"possible decompression bomb") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise BrushworkError(f"{what} {name} is damaged or truncated ({e})") from None


def to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        im = Image.fromarray(np.clip(a / top * 255 + 0.5, 0, 255).astype(np.uint8))
    if im.mode == "F":
        im = Image.fromarray(np.clip(np.asarray(im) * (255 if np.asarray(im).max() <= 1 else 1), 0, 255)
                             .astype(np.uint8))
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, im)
    return im.convert("RGB")


def resize_long(im: Image.Image, long_side: int) -> Image.Image:
    """`im` scaled so that its longer side is `long_side` pixels (at least 1 px each way)."""
    scale = long_side / max(im.size)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im if size == im.size else im.resize(size, Image.Resampling.LANCZOS)


def to_tensor(im, device="cpu") -> torch.Tensor:
    """An RGB image (PIL, or an (H, W, 3) uint8 array such as a video frame's) as a (1, 3, H, W)
    float tensor in 0..1 on `device`: the one image-to-tensor conversion."""
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)[None].contiguous().to(device)


def to_image(t: torch.Tensor) -> Image.Image:
    a = t.detach()[0].clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(a)


def resize_tensor(t: torch.Tensor, size: tuple) -> torch.Tensor:
    """(1, 3, h, w) resampled to size (H, W) with antialiasing when shrinking."""
    if tuple(t.shape[-2:]) == tuple(size):
        return t
    return F.interpolate(t, size=size, mode="bicubic", align_corners=False, antialias=True).clamp(0, 1)


def back_project(image: torch.Tensor, small: torch.Tensor, iterations: int = 4) -> torch.Tensor:
    """`image` with its coarse content made `small`'s and its finer detail kept: iterative
    back-projection (Irani and Peleg, 1991), image + upsample(small - downsample(image)), repeated,
    so that `image` shrunk to `small`'s size (antialiased bicubic, as resize_tensor) comes within a
    fraction of a percent of `small` (four rounds; each removes most of what the last left)."""
    def shrink(x):
        return F.interpolate(x, size=small.shape[-2:], mode="bicubic", align_corners=False, antialias=True)
    for _ in range(iterations):
        image = image + F.interpolate(small - shrink(image), size=image.shape[-2:], mode="bicubic",
                                      align_corners=False)
    return image


def check_output_path(path) -> Path:
    """Fail before any work is done if the output cannot be written."""
    p = Path(path)
    if p.suffix.lower() not in OUTPUT_FORMATS:
        raise BrushworkError(f"cannot write '{p.suffix or p.name}' files: use one of {', '.join(OUTPUT_FORMATS)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise BrushworkError(f"output folder does not exist: {parent}")
    if not os.access(parent, os.W_OK):
        raise BrushworkError(f"output folder is not writable: {parent}")
    if p.is_dir():
        raise BrushworkError(f"output is a folder: {p}")
    return p


def save_image(im: Image.Image, path, quality: int = 95, metadata=None) -> Path:
    """Write atomically: a temporary file beside the target, renamed into place when complete.
    PNG, JPEG, WebP and TIFF files carry `metadata` (a brushwork.metadata record; by default
    just the brushwork version)."""
    p = check_output_path(path)
    return write_atomic(encode_image(im, p.suffix, quality, metadata), p)


def encode_image(im: Image.Image, suffix: str, quality: int = 95, metadata=None) -> bytes:
    """The file bytes of `im` in the format its suffix names (.png, .jpg, ...), carrying `metadata`
    (by default just the brushwork version)."""
    from .metadata import save_options

    fmt = OUTPUT_FORMATS[suffix.lower()]
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **({"quality": quality} if fmt in ("JPEG", "WEBP") else {}),
            **save_options(fmt, metadata))
    return buffer.getvalue()


# --- colour ---------------------------------------------------------------------------------
_RGB2YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def gauss_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (B, C, H, W), edges replicated."""
    r = int(3 * sigma + 0.5)
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = (k / k.sum()).repeat(x.shape[1], 1, 1, 1)
    x = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (r, r, 0, 0), mode="replicate"), k, groups=x.shape[1])
    return torch.nn.functional.conv2d(torch.nn.functional.pad(x, (0, 0, r, r), mode="replicate"),
                                      k.transpose(2, 3), groups=x.shape[1])


def rgb_to_yiq(t: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", _RGB2YIQ.to(t), t)


def yiq_to_rgb(t: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", torch.linalg.inv(_RGB2YIQ).to(t), t)


def keep_luminance(stylised: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The stylised image's luminance with the content's chrominance (original colours)."""
    content = resize_tensor(content, stylised.shape[-2:])
    yiq = torch.cat([rgb_to_yiq(stylised)[:, :1], rgb_to_yiq(content)[:, 1:]], 1)
    return yiq_to_rgb(yiq).clamp(0, 1)


def match_colour(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """`source` with its pixels' mean and covariance moved to the target's (a linear colour
    transfer, Gatys et al. 2016, "Preserving Color in Neural Artistic Style Transfer")."""
    def stats(t):
        px = t[0].reshape(3, -1).double()
        mu = px.mean(1, keepdim=True)
        cov = torch.cov(px) + 1e-5 * torch.eye(3, dtype=px.dtype)
        return px, mu, cov

    def sqrtm(m, inverse=False):
        vals, vecs = torch.linalg.eigh(m)
        vals = vals.clamp_min(1e-8).pow(-0.5 if inverse else 0.5)
        return vecs @ torch.diag(vals) @ vecs.T

    px, mu_s, cov_s = stats(source)
    _, mu_t, cov_t = stats(target)
    out = sqrtm(cov_t) @ sqrtm(cov_s, inverse=True) @ (px - mu_s) + mu_t
    return out.reshape(source.shape).to(source.dtype).clamp(0, 1)


def fade_colour(source: torch.Tensor, target: torch.Tensor, keep: float) -> torch.Tensor:
    """`source` with its chrominance (the I and Q of YIQ) faded to the target's mean: `keep` of
    each pixel's own colour is left (1: unchanged; 0: every pixel the target's average colour),
    its luminance untouched. A start faded so leaves the optimiser to paint the colours from the
    painting's statistics: a photo's blue-white sky becomes the Scream's orange and blue bands
    where a linear recolouring left it teal."""
    yiq = rgb_to_yiq(source)
    mean = rgb_to_yiq(target).mean((2, 3), keepdim=True)
    chroma = keep * yiq[:, 1:] + (1 - keep) * mean[:, 1:]
    return yiq_to_rgb(torch.cat([yiq[:, :1], chroma], 1)).clamp(0, 1)


def paint_by_luminance(source: torch.Tensor, target: torch.Tensor, keep: float = 1.0, bins: int = 32) -> torch.Tensor:
    """`source`'s light and shade in the target's colours (the `tonal` start): its luminance is
    histogram-matched to the target's, and the chroma of the pixels of each brightness is moved to
    the target's mean and spread at that brightness. The painting decides what colour each
    brightness is painted in (the Scream's bright sky is orange, whatever colour the photo's sky
    was), while the photo's colour contrasts among pixels of the same brightness (red roofs beside
    white walls) are kept, scaled to the painting's spread there (`keep` of them: 0 paints every
    pixel of a brightness alike). Statistics are taken over `bins` quantile bands of brightness
    and interpolated between them, so smooth gradients stay smooth."""
    yiq_s = rgb_to_yiq(source)[0].reshape(3, -1).double()
    yiq_t = rgb_to_yiq(target)[0].reshape(3, -1).double()
    rank_s, rank_t = _ranks(yiq_s[0]), _ranks(yiq_t[0])  # 0..1, brightest 1
    y = torch.sort(yiq_t[0])[0][(rank_s * (yiq_t.shape[1] - 1)).round().long()]
    mean_t, std_t = _band_moments(yiq_t[1:], rank_t, bins)
    position = (rank_s * bins - 0.5).clamp(0, bins - 1)  # fractional band of each source pixel
    chroma = _interpolate(mean_t, position)
    if keep:
        mean_s, std_s = _band_moments(yiq_s[1:], rank_s, bins)
        gain = (_interpolate(std_t, position) / _interpolate(std_s, position).clamp_min(1e-3)).clamp(max=2)
        chroma = chroma + keep * gain * (yiq_s[1:] - _interpolate(mean_s, position))
    out = torch.cat([y[None], chroma]).reshape(1, 3, *source.shape[-2:])
    return yiq_to_rgb(out.to(source.dtype)).clamp(0, 1)


def _ranks(values: torch.Tensor) -> torch.Tensor:
    """Each value's rank among `values`, scaled to 0..1."""
    return torch.empty_like(values).scatter_(0, torch.argsort(values),
                                             torch.linspace(0, 1, values.numel(), dtype=values.dtype))


def _band_moments(chroma: torch.Tensor, rank: torch.Tensor, bins: int) -> tuple:
    """(2, bins) mean and standard deviation of `chroma` (2, N) in each quantile band of brightness."""
    band = (rank * bins).long().clamp(max=bins - 1)
    count = torch.bincount(band, minlength=bins).clamp_min(1)
    mean = torch.stack([torch.bincount(band, c, minlength=bins) for c in chroma]) / count
    var = torch.stack([torch.bincount(band, c * c, minlength=bins) for c in chroma]) / count - mean ** 2
    return mean, var.clamp_min(0).sqrt()


def _interpolate(per_band: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
    """(2, bins) band statistics read at fractional band positions (N,): linear between bands."""
    low = position.floor().long()
    high = (low + 1).clamp(max=per_band.shape[1] - 1)
    frac = position - low
    return per_band[:, low] * (1 - frac) + per_band[:, high] * frac


def transfer_palette(source: torch.Tensor, target: torch.Tensor, iterations: int = 12, seed: int = 0) -> torch.Tensor:
    """`source` recoloured so that its pixels' colour distribution becomes the target's, not only
    its mean and covariance: iterative distribution transfer (Pitie, Kokaram and Dahyot 2005).
    Each round rotates colour space at random and matches the three 1D histograms, so the
    photo's brightest sky takes the painting's brightest colour and its shadows the darkest."""
    g = torch.Generator().manual_seed(seed)
    px = match_colour(source, target)[0].reshape(3, -1).double()
    ref = target[0].reshape(3, -1).double()
    # where each of the source's sorted values falls among the target's (the same every round)
    quantiles = torch.linspace(0, ref.shape[1] - 1, px.shape[1], dtype=torch.float64)
    lo = quantiles.floor().long()
    hi = (lo + 1).clamp_max(ref.shape[1] - 1)
    frac = quantiles - lo
    for _ in range(iterations):
        rotation = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))[0]
        src, tgt = rotation @ px, torch.sort(rotation @ ref, 1)[0]
        order = torch.argsort(src, 1)
        matched = torch.empty_like(src).scatter_(1, order, tgt[:, lo] * (1 - frac) + tgt[:, hi] * frac)
        px = px + rotation.T @ (matched - src)
    return px.reshape(source.shape).to(source.dtype).clamp(0, 1)
