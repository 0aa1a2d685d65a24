"""A batch's work list: content images from files, folders and globs (or the rows of a CSV or JSONL
manifest) crossed with the styles, each item with its full settings and a deterministic output name."""
from __future__ import annotations

import csv
import glob
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from ..errors import BrushworkError

NOT_IN_NAME = ("preview_every", "snapshot_every", "device")  # do not change the picture


@dataclass(frozen=True)
class Item:
    content: str
    style: str  # the style image, or the model file for a fast recipe
    output: str
    settings: dict

    def to_dict(self) -> dict:
        return asdict(self)


def image_suffixes() -> set:
    from PIL import Image
    return {ext.lower() for ext in Image.registered_extensions()}


def folder_images(folder: Path) -> list:
    known = image_suffixes()
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in known
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def expand(patterns, what: str = "input") -> list:
    """Image files named by `patterns` (files, folders searched recursively, globs), in order, once each."""
    files = []
    for pattern in patterns:
        p = Path(pattern)
        if p.is_dir():
            files += folder_images(p)
        elif p.is_file():
            files.append(p)
        elif glob.has_magic(str(pattern)):
            known = image_suffixes()
            files += [Path(m) for m in sorted(glob.glob(str(pattern), recursive=True))
                      if Path(m).is_file() and Path(m).suffix.lower() in known]
        else:
            raise BrushworkError(f"{what} not found: {pattern}")
    unique = list(dict.fromkeys(f.resolve() for f in files))
    if not unique:
        raise BrushworkError(f"no {what} images found in {', '.join(map(str, patterns))}")
    return unique


def read_manifest(path) -> list:
    """[(where, content, style or None, settings overrides)] from a CSV (header: content, style, any
    setting) or a JSONL file (objects with content, style and settings or settings keys). Relative
    paths are taken from the manifest's folder."""
    p = Path(path)
    if not p.is_file():
        raise BrushworkError(f"manifest not found: {p}")
    if p.suffix.lower() == ".csv":
        with open(p, newline="", encoding="utf-8") as f:
            rows = [(f"{p.name} line {i + 2}", row) for i, row in enumerate(csv.DictReader(f))]
    elif p.suffix.lower() in (".jsonl", ".ndjson"):
        rows = [(f"{p.name} line {i + 1}", json_row(line, p, i + 1))
                for i, line in enumerate(p.read_text(encoding="utf-8").splitlines()) if line.strip()]
    else:
        raise BrushworkError(f"manifest must be a .csv or .jsonl file, not {p.name}")
    if not rows:
        raise BrushworkError(f"manifest {p} has no rows")
    return [manifest_row(where, row, p.parent) for where, row in rows]


def json_row(line: str, path: Path, number: int) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise BrushworkError(f"{path.name} line {number} is not JSON ({e.msg})") from None
    if not isinstance(row, dict):
        raise BrushworkError(f"{path.name} line {number} must be a JSON object")
    return row


def manifest_row(where: str, row: dict, base: Path) -> tuple:
    row = {k.strip(): v for k, v in row.items() if k and v not in (None, "")}
    content = row.pop("content", None)
    if not content:
        raise BrushworkError(f"{where}: no content")
    style = row.pop("style", None)
    settings = row.pop("settings", {})
    if not isinstance(settings, dict):
        raise BrushworkError(f"{where}: settings must be an object")
    resolve = lambda s: str(Path(s) if Path(s).is_absolute() else (base / s).resolve())  # noqa: E731
    return where, resolve(content), resolve(style) if style else None, {**row, **settings}


def output_name(content, style, settings: dict, suffix: str) -> str:
    """content-stem_style-stem_HASH.suffix; the hash covers both paths and the settings that shape
    the picture, so the same work always gets the same name and different work never shares one."""
    key = {k: v for k, v in settings.items() if k not in NOT_IN_NAME}
    digest = hashlib.sha1(json.dumps([str(content), str(style), key], sort_keys=True).encode()).hexdigest()
    return f"{safe(Path(content).stem)}_{safe(Path(style).stem)}_{digest[:8]}{suffix}"


def safe(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:60] or "image"


def plan(rows, out_dir: Path, make_settings: Callable[[dict], dict], suffix: str = ".png") -> list:
    """Items for rows of (where, content, style, overrides); make_settings(overrides) gives the full
    settings (raising BrushworkError for bad ones, which is reported with the row's place)."""
    items = {}
    for where, content, style, overrides in rows:
        try:
            settings = make_settings(overrides)
        except BrushworkError as e:
            raise BrushworkError(f"{where}: {e}" if where else str(e)) from None
        out = out_dir / output_name(content, style, settings, suffix)
        items.setdefault(str(out), Item(str(content), str(style), str(out), settings))
    return list(items.values())


def cross(contents, styles) -> list:
    """Rows for every content image with every style, without per-row settings."""
    return [("", str(c), str(s), {}) for c in contents for s in styles]
