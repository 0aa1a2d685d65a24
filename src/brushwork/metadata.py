"""Results that carry their recipe: the settings, brushwork version, backbone, seed, input file
names and SHA-256 hashes and wall time, as one JSON record inside the image file.

PNG keeps it in an iTXt chunk named `brushwork`; JPEG, WebP and TIFF in the EXIF UserComment
tag (ASCII JSON), which Pillow writes and reads back byte for byte in all three."""
from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path
from typing import Optional

from PIL import ExifTags, Image, PngImagePlugin, UnidentifiedImageError

from .errors import BrushworkError

KEY = "brushwork"  # the PNG text key, and the record's version field
EXIF_ASCII = b"ASCII\0\0\0"  # UserComment's character-code prefix (EXIF 2.3, 4.6.5)


def version() -> str:
    from . import __version__
    return __version__


def describe_input(source) -> dict:
    """{"name", "sha256"} of an input: a path (its file's bytes), bytes, or a Pillow image
    (its RGB pixels, as there is no file)."""
    if isinstance(source, Image.Image):
        return {"name": None, "sha256": hashlib.sha256(source.convert("RGB").tobytes()).hexdigest(),
                "hashed": "pixels"}
    if isinstance(source, (bytes, bytearray)):
        return {"name": None, "sha256": hashlib.sha256(source).hexdigest()}
    from .weights import sha256
    path = Path(source)
    return {"name": path.name, "sha256": sha256(path) if path.is_file() else None}


def make_record(settings, content, styles, wall_time: Optional[float] = None, names=None, **extra) -> dict:
    """The record for a result made from `content` and `styles` with `settings`. `names`
    ({"content": ..., "styles": [...]}) replaces the file names, e.g. the web's upload names."""
    styles = list(styles) if isinstance(styles, (list, tuple)) else [styles]
    inputs = {"content": describe_input(content), "styles": [describe_input(s) for s in styles]}
    if settings.init == "file" and settings.init_image:
        inputs["init"] = describe_input(settings.init_image)
    names = names or {}
    if names.get("content"):
        inputs["content"]["name"] = names["content"]
    for item, name in zip(inputs["styles"], names.get("styles") or []):
        item["name"] = name or item["name"]
    record = {KEY: version(), "backbone": settings.backbone, "seed": settings.seed,
              "settings": settings.to_dict(), "inputs": inputs,
              "wall_time_s": None if wall_time is None else round(wall_time, 3),
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return record | extra


def save_options(fmt: str, record: Optional[dict]) -> dict:
    """Keyword arguments for Image.save that embed `record` (only the version when None)."""
    text = json.dumps(record or {KEY: version()}, ensure_ascii=True, separators=(",", ":"))
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt(KEY, text, zip=True)
        return {"pnginfo": info}
    if fmt in ("JPEG", "WEBP", "TIFF"):
        exif = Image.Exif()
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.UserComment] = EXIF_ASCII + text.encode("ascii")
        return {"exif": exif.tobytes()}
    return {}


def read(source) -> Optional[dict]:
    """The record embedded in an image (a path, bytes or an open Pillow image), or None."""
    if not isinstance(source, Image.Image):
        try:
            with Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as im:
                return read(im)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as e:
            raise BrushworkError(f"{_label(source)} is not an image Pillow can read ({e})") from None
    texts = [source.info.get(KEY)]  # Pillow writes its PNG text before the pixels: no decoding needed
    comment = source.getexif().get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.UserComment)
    if isinstance(comment, bytes) and comment.startswith(EXIF_ASCII):
        texts.append(comment[len(EXIF_ASCII):].rstrip(b"\0").decode("ascii", "replace"))
    for text in filter(None, texts):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and KEY in data:
            return data
    return None


def read_record(path, need_settings: bool = True) -> dict:
    """The record of a brushwork result, with a one-line error when there is none."""
    if isinstance(path, (str, Path)) and not Path(path).is_file():
        raise BrushworkError(f"result not found: {path}")
    record = read(path)
    if record is None:
        raise BrushworkError(f"{_label(path)} carries no brushwork settings (it was not written by brushwork, "
                             f"or its metadata was stripped)")
    if need_settings and not isinstance(record.get("settings"), dict):
        raise BrushworkError(f"{_label(path)} carries no brushwork settings (brushwork wrote it, but not as "
                             f"a stylize result)")
    return record


def settings_from_record(record: dict):
    """The Settings a record was made with (fields unknown to this version are refused by name)."""
    from .settings import Settings
    return Settings.from_dict(record["settings"])


def _label(source) -> str:
    return "uploaded data" if isinstance(source, (bytes, bytearray)) else str(source)


def input_changes(record: dict, content, styles) -> list:
    """Sentences naming the inputs whose bytes differ from those the record was made from."""
    recorded = record.get("inputs") or {}
    pairs = [("content image", recorded.get("content"), content)]
    pairs += [(f"style image {i + 1}", r, s) for i, (r, s) in enumerate(zip(recorded.get("styles") or [], styles))]
    out = [f"the {what} differs from the one the result was made from ({(old or {}).get('name')})"
           for what, old, new in pairs
           if (old or {}).get("sha256") and describe_input(new)["sha256"] not in (None, old["sha256"])]
    if len(recorded.get("styles") or []) != len(styles):
        out.append(f"the result was made from {len(recorded.get('styles') or [])} style images, not {len(styles)}")
    return out
