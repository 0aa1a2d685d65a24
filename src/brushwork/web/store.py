"""Jobs on disk: one SQLite table for their records and one folder per job for its images.

A connection is opened per call (SQLite is fast at that), so the store is safe to use from the
worker threads and the event loop at once."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Optional

from . import curve

STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
FILE_NAME = re.compile(r"^(content|style-\d{1,2}|init|result|preview)\.(png|jpg|webp|gif)$")
JSON_COLUMNS = ("settings", "inputs", "losses", "curve")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    status TEXT NOT NULL,
    preset TEXT NOT NULL,
    settings TEXT NOT NULL,      -- JSON: Settings.to_dict()
    inputs TEXT NOT NULL,        -- JSON: {"content": file, "styles": [files], "init": file|null, "names": {...}}
    result TEXT,                 -- file name of the result image in the job's folder
    error TEXT,
    iteration INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    losses TEXT,                 -- JSON: the last losses
    curve TEXT                   -- JSON: [{"iteration", "level", "losses": {term: value}}, ...] (curve.py)
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created);
"""


class Store:
    def __init__(self, data_dir):
        self.root = Path(data_dir).expanduser().resolve()
        self.jobs_dir = self.root / "jobs"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "brushwork.sqlite3"
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    # --- records -------------------------------------------------------------------------
    def new_id(self) -> str:
        return uuid.uuid4().hex[:16]

    def create(self, job_id: str, preset: str, settings: dict, inputs: dict, total: int) -> dict:
        row = dict(id=job_id, created=time.time(), status="queued", preset=preset,
                   settings=json.dumps(settings), inputs=json.dumps(inputs), total=total)
        with self._lock, self._connect() as db:
            db.execute(f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       tuple(row.values()))
        return self.get(job_id)

    def update(self, job_id: str, **changes) -> None:
        values = [json.dumps(v) if k in JSON_COLUMNS and v is not None else v for k, v in changes.items()]
        with self._lock, self._connect() as db:
            db.execute(f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                       (*values, job_id))

    def get(self, job_id: str) -> Optional[dict]:
        if not JOB_ID.match(job_id or ""):
            return None
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _decode(row) if row else None

    def list(self, limit: int = 100, offset: int = 0, status: Optional[str] = None) -> list:
        where, args = ("WHERE status = ?", (status,)) if status else ("", ())
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs {where} ORDER BY created DESC LIMIT ? OFFSET ?",
                              (*args, limit, offset)).fetchall()
        return [_decode(r) for r in rows]

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]

    def delete(self, job_id: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        folder = self.folder(job_id)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)

    def finished_ids(self) -> list:
        """Ids of finished jobs, oldest first (what retention removes first)."""
        with self._connect() as db:
            rows = db.execute("SELECT id FROM jobs WHERE status IN ('done', 'failed', 'cancelled') "
                              "ORDER BY created").fetchall()
        return [r["id"] for r in rows]

    def recover(self) -> list:
        """After a restart: a running job whose result was written (perhaps not yet renamed into
        place) is done; other running jobs are marked failed (their process is gone); leftover
        temporary files go. The ids of queued jobs are returned, oldest first, to be queued again."""
        message = "the server stopped while this job was running; re-run it to start again"
        for row in self.list(limit=-1, status="running"):
            if finish_interrupted_write(self.folder(row["id"])):
                self.update(row["id"], status="done", result="result.png", error=None,
                            finished=row["finished"] or time.time())
        for tmp in self.jobs_dir.glob("*/.*.tmp"):
            tmp.unlink(missing_ok=True)
        with self._lock, self._connect() as db:
            db.execute("UPDATE jobs SET status = 'failed', error = ?, finished = ? WHERE status = 'running'",
                       (message, time.time()))
            rows = db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created").fetchall()
        return [r["id"] for r in rows]

    # --- files ---------------------------------------------------------------------------
    def folder(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id or ""):
            raise ValueError(f"bad job id {job_id!r}")
        return self.jobs_dir / job_id

    def file(self, job_id: str, name: str) -> Optional[Path]:
        """The path of a job's file, or None: only known names, only inside the job's folder."""
        if not JOB_ID.match(job_id or "") or not FILE_NAME.match(name or ""):
            return None
        path = (self.jobs_dir / job_id / name).resolve()
        if not path.is_relative_to(self.jobs_dir) or not path.is_file():
            return None
        return path

    def write_file(self, job_id: str, name: str, data: bytes) -> str:
        if not FILE_NAME.match(name):
            raise ValueError(f"bad file name {name!r}")
        folder = self.folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(folder / name)
        return name


def finish_interrupted_write(folder: Path) -> bool:
    """True when the folder holds a complete result: result.png, or its temporary file when it
    decodes whole (the rename was all that was missing; it is done now)."""
    result, tmp = folder / "result.png", folder / ".result.png.tmp"
    if result.is_file():
        return True
    if not tmp.is_file():
        return False
    from PIL import Image
    try:
        with Image.open(tmp) as im:
            im.load()
    except Exception:  # noqa: BLE001 - truncated or empty: the job did not finish
        return False
    tmp.replace(result)
    return True


def _decode(row: sqlite3.Row) -> dict:
    job = dict(row)
    for key in JSON_COLUMNS:
        job[key] = json.loads(job[key]) if job.get(key) else None
    job["curve"] = curve.read(job["curve"]) if job["curve"] is not None else None
    return job
