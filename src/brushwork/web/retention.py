"""History and disk retention: before a new job is stored, the oldest finished jobs go while
there are more than `keep_jobs` or their images take more than `max_disk_mb` (0: no limit).
Queued and running jobs are never removed; when they alone fill the disk budget a new job is
refused with 507."""
from __future__ import annotations

from pathlib import Path

from .uploads import UploadRefused, megabytes


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*") if p.is_file()) if folder.is_dir() else 0


def make_room(studio, incoming: int = 0) -> None:
    """Remove old finished jobs so that one more job of `incoming` bytes fits the limits."""
    store, limits = studio.store, studio.limits
    finished = store.finished_ids()
    if limits.keep_jobs > 0:
        while finished and len(finished) > limits.keep_jobs:
            store.delete(finished.pop(0))
    if limits.max_disk_mb <= 0:
        return
    budget = limits.max_disk_mb * 1e6
    used = sum(folder_bytes(f) for f in store.jobs_dir.iterdir() if f.is_dir()) + incoming
    while finished and used > budget:
        job_id = finished.pop(0)
        used -= folder_bytes(store.folder(job_id))
        store.delete(job_id)
    if used > budget:
        raise UploadRefused(507, f"the studio's disk budget ({megabytes(int(budget))}) is full with "
                                 f"queued and running jobs; try again when one has finished")
