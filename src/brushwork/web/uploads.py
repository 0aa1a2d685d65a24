"""Checks on uploaded images: size in bytes (whole request, early), pixel count, and that the
bytes decode as an image. Extensions and declared content types are never trusted."""
from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass

from PIL import Image

from ..errors import BrushworkError
from ..images import load_image

# Formats a browser shows, kept as uploaded; anything else decodable is stored as PNG.
KEEP_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class UploadRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Upload:
    data: bytes
    ext: str
    name: str
    width: int
    height: int


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.1f} GB"


def check_image(data: bytes, filename: str, what: str, max_pixels: int) -> Upload:
    """Decode `data` fully; refuse (415) what is not an image and (413) what has too many pixels."""
    label = f"{what} '{_short(filename)}'"
    if not data:
        raise UploadRefused(415, f"{label} is empty")
    width, height = _peek_size(data, label, max_pixels)
    if width * height > max_pixels:
        raise UploadRefused(413, f"{label} is {width}x{height} = {width * height / 1e6:.1f} megapixels; "
                                 f"the limit is {max_pixels / 1e6:.1f} megapixels")
    try:
        image = load_image(data, label)
    except BrushworkError as e:
        raise UploadRefused(415, str(e).replace(" uploaded data", "")) from None
    with Image.open(io.BytesIO(data)) as probe:
        fmt = probe.format
    if fmt in KEEP_FORMATS:
        return Upload(data, KEEP_FORMATS[fmt], _short(filename), *image.size)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return Upload(buf.getvalue(), "png", _short(filename), *image.size)


def _peek_size(data: bytes, label: str, max_pixels: int) -> tuple:
    """Width and height from the header alone (before decoding a possible bomb)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                return im.size
    except Image.DecompressionBombError:
        raise UploadRefused(413, f"{label} has far too many pixels (over {max_pixels / 1e6:.0f} megapixels; "
                                 f"possible decompression bomb)") from None
    except Exception:  # noqa: BLE001 - undecodable: load_image words the refusal
        try:
            load_image(data, label)
        except BrushworkError as e:
            raise UploadRefused(415, str(e).replace(" uploaded data", "")) from None
        raise UploadRefused(415, f"{label} is not an image") from None


def _short(name: str) -> str:
    name = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable())[:80] or "upload"


def json_error(status: int, message: str) -> bytes:
    return json.dumps({"error": message, "status": status}).encode()


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413 and a JSON message.
    A declared Content-Length over the limit is refused before the body is parsed (the body
    is read and dropped first, up to `drain`, so the browser sees the answer, not a reset)."""

    def __init__(self, app, limit: int, drain: int = 512_000_000):
        self.app, self.limit, self.drain = app, limit, drain

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            if int(length) <= self.drain:
                await _drain(receive)
            return await self._refuse(send, int(length))
        state = {"seen": 0, "over": False}

        async def counted():
            message = await receive()
            state["seen"] += len(message.get("body", b""))
            if state["seen"] > self.limit:
                state["over"] = True  # FastAPI may reword the error below: the answer is replaced
                raise UploadRefused(413, self._message(state["seen"], more=True))
            return message

        async def answer(message):
            if not state["over"]:
                await send(message)
            elif message["type"] == "http.response.start":
                await self._refuse(send, state["seen"], more=True)
        return await self.app(scope, counted, answer)

    def _message(self, size: int, more: bool = False) -> str:
        return (f"upload too large: {'over ' if more else ''}{megabytes(size)}; the limit is "
                f"{megabytes(self.limit)} for one job's images together")

    async def _refuse(self, send, size: int, more: bool = False) -> None:
        body = json_error(413, self._message(size, more))
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


async def _drain(receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return
