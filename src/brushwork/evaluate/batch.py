"""What to score: one result, a folder of results, or a manifest (CSV or JSON Lines) that pairs
each result with its own content and style images."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from ..errors import BrushworkError
from ..images import OUTPUT_FORMATS


def rows_from_paths(result, content, styles) -> list:
    """[(result, content, [styles])]: a folder RESULT gives one row per image in it (sorted)."""
    for p in [content, *styles]:
        if Path(p).is_dir():
            raise BrushworkError(f"{p} is a folder: CONTENT and STYLE must be files "
                                 f"(use --manifest to give each result its own inputs)")
    results = images_in(result) if Path(result).is_dir() else [Path(result)]
    return [(r, Path(content), [Path(s) for s in styles]) for r in results]


def images_in(folder) -> list:
    found = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in OUTPUT_FORMATS and p.is_file())
    if not found:
        raise BrushworkError(f"no images in {folder}")
    return found


def rows_from_manifest(path) -> list:
    """Rows of a .csv (header: result,content,style; several styles separated by ';') or a
    .jsonl file (objects with result, content and style: a path or a list). Relative paths
    are taken from the manifest's folder."""
    path = Path(path)
    if not path.is_file():
        raise BrushworkError(f"manifest not found: {path}")
    if path.suffix.lower() not in (".csv", ".jsonl"):
        raise BrushworkError(f"manifest {path} must be a .csv or .jsonl file")
    text = path.read_text(encoding="utf-8-sig")
    entries = _csv(text) if path.suffix.lower() == ".csv" else _jsonl(text, path)
    rows = [_row(entry, path, n) for n, entry in entries]
    if not rows:
        raise BrushworkError(f"manifest {path} lists no results")
    return rows


def _csv(text: str) -> list:
    reader = csv.DictReader(text.splitlines())
    out = []
    for n, rec in enumerate(reader, start=2):
        rec = {(k or "").strip().lower(): (v or "").strip() for k, v in rec.items()}
        rec["style"] = [s.strip() for s in (rec.get("style") or rec.get("styles") or "").split(";") if s.strip()]
        out.append((n, rec))
    return out


def _jsonl(text: str, path: Path) -> list:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise BrushworkError(f"{path} line {n} is not JSON ({e.msg})") from None
        if not isinstance(rec, dict):
            raise BrushworkError(f"{path} line {n} must be a JSON object")
        style = rec.get("style", rec.get("styles"))
        out.append((n, {**rec, "style": [style] if isinstance(style, str) else list(style or [])}))
    return out


def _row(rec: dict, manifest: Path, n: int) -> tuple:
    for key in ("result", "content", "style"):
        if not rec.get(key):
            raise BrushworkError(f"{manifest} line {n}: no '{key}'")
    here = manifest.parent
    return here / rec["result"], here / rec["content"], [here / s for s in rec["style"]]


def check_files(rows: list) -> None:
    """Fail before any scoring when a file is missing."""
    for result, content, styles in rows:
        for what, p in [("result", result), ("content image", content), *(("style image", s) for s in styles)]:
            if not Path(p).is_file():
                raise BrushworkError(f"{what} not found: {p}")
