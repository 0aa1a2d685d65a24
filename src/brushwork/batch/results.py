"""The results manifest: one JSON line per finished item (input, style, output, settings, seconds,
status, error), appended and flushed to disk as each item ends, so a crash loses at most the item
in flight. On a re-run the last line for each output says whether it is done."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .. import images


class Results:
    def __init__(self, path):
        self.path = Path(path)
        self.file = None

    def load(self) -> dict:
        """{output: its last record}; a line cut short by a crash is ignored."""
        records = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "output" in record:
                    records[record["output"]] = record
        return records

    def append(self, record: dict) -> None:
        if self.file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            torn = self.path.is_file() and self.path.stat().st_size and last_byte(self.path) != b"\n"
            self.file = open(self.path, "a", encoding="utf-8")
            if torn:  # start after the half line a killed run left
                self.file.write("\n")
        self.file.write(json.dumps(record, sort_keys=True) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def last_byte(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1)


def is_done(record, item) -> bool:
    """Finished with this very work: status ok, the file there, the same input, style and settings."""
    return bool(record) and record.get("status") == "ok" and Path(record["output"]).is_file() and \
        (record.get("input"), record.get("style"), record.get("settings")) == (item.content, item.style, item.settings)


def keep(record: dict, data) -> dict:
    """Write a finished item's image (atomically) and return its record, marked failed when the
    image could not be written."""
    if record["status"] != "ok":
        return record
    try:
        Path(record["output"]).parent.mkdir(parents=True, exist_ok=True)
        images.write_atomic(data, record["output"])
    except OSError as e:
        return {**record, "status": "failed", "error": f"could not write {record['output']}: {e.strerror or e}"}
    return record


def remove_leftovers(items) -> None:
    """Delete the temporary files (.STEM.xxxx.SUFFIX) a killed run left beside the outputs to come."""
    for item in items:
        out = Path(item.output)
        for tmp in out.parent.glob(f".{out.stem}.*{out.suffix}"):
            tmp.unlink(missing_ok=True)
