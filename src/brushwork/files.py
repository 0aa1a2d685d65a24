"""Atomic file writes, the one way brushwork writes an output file: a temporary file beside the
target, renamed into place when complete, so a crash leaves the old file or the new one, never
half of one. The file is created with the usual mode (0666 less the umask), as any program's
files are, so results, exported models and cached weights are readable like the user's others."""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yields an empty temporary file's path beside `path` (same suffix, so writers that go by the
    extension choose the right format), renamed onto `path` when the block ends; removed if it raises."""
    p = Path(path)
    tmp = p.with_name(f".{p.stem}.{secrets.token_hex(4)}.part{p.suffix}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies, as usual
    try:
        yield tmp
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(data: bytes, path) -> Path:
    """`data` into `path`, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
