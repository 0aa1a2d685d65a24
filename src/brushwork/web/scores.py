"""What the studio adds to a finished job: the recipe embedded in its result image, and its
scores, computed by one background thread so that no job waits for them. Scores live beside
the job's images as scores.json: {"scores": {...}, "size": N} or {"error": "..."}."""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Callable, Optional

from ..errors import BrushworkError
from ..metadata import describe_input, make_record
from ..settings import Settings

log = logging.getLogger("brushwork.web")
SCORES_FILE = "scores.json"


def result_record(store, job_id: str) -> Optional[dict]:
    """The metadata record for a job's result: its settings, its uploads' names and hashes, the
    wall time so far. Server paths never go into it (the starting image is named as uploaded).
    None when it cannot be made: the result is then saved without it, never lost."""
    try:
        return _record(store, job_id)
    except Exception:  # noqa: BLE001
        log.exception("no metadata for job %s", job_id)
        return None


def _record(store, job_id: str) -> Optional[dict]:
    job = store.get(job_id)
    if job is None:
        return None
    folder, inputs = store.folder(job_id), job["inputs"]
    names = inputs.get("names") or {}
    kept = Settings.from_dict({**job["settings"], "weights": None,
                               "init_image": (names.get("init") or "init") if inputs.get("init") else None})
    record = make_record(kept, folder / inputs["content"], [folder / n for n in inputs["styles"]],
                         time.time() - job["started"] if job.get("started") else None,
                         names={"content": names.get("content"),
                                "styles": [names.get(f"style-{i}") for i in range(len(inputs["styles"]))]},
                         job=job_id)
    if inputs.get("init"):
        record["inputs"]["init"] = describe_input(folder / inputs["init"]) | {"name": names.get("init")}
    return record


def read_scores(store, job_id: str) -> Optional[dict]:
    """A job's scores file, or None while it has none (not finished, or still being scored)."""
    try:
        return json.loads((store.folder(job_id) / SCORES_FILE).read_text())
    except (OSError, ValueError):
        return None


class ScoreWorker:
    """Scores finished jobs one at a time on a daemon thread. `scorer(result, content, styles)`
    is brushwork.evaluate.score unless a test gives another."""

    def __init__(self, store, scorer: Optional[Callable] = None):
        self.store, self.scorer = store, scorer
        self.queue: queue.Queue = queue.Queue()
        self.thread: Optional[threading.Thread] = None

    def start(self, backfill: int = 500) -> None:
        self.thread = threading.Thread(target=self._work, name="brushwork-scores", daemon=True)
        self.thread.start()
        for job in self.store.list(backfill, 0, "done"):  # done before scores existed, or before a restart
            if job.get("result") and read_scores(self.store, job["id"]) is None:
                self.submit(job["id"])

    def submit(self, job_id: str) -> None:
        self.queue.put(job_id)

    def stop(self, timeout: float = 30) -> None:
        """Finish the job being scored (a few seconds at most) and end the thread."""
        self.queue.put(None)
        if self.thread is not None:
            self.thread.join(timeout)

    def _work(self) -> None:
        while (job_id := self.queue.get()) is not None:
            try:
                self._score(job_id)
            except Exception:  # noqa: BLE001 - a bad job must not stop the scoring of the others
                log.exception("scoring job %s failed", job_id)

    def _score(self, job_id: str) -> None:
        job = self.store.get(job_id)
        if job is None or not job.get("result"):
            return
        folder, inputs = self.store.folder(job_id), job["inputs"]
        from ..evaluate import EVAL_SIZE, score

        scorer = self.scorer or score
        try:
            data = {"scores": scorer(folder / job["result"], folder / inputs["content"],
                                     [folder / n for n in inputs["styles"]]), "size": EVAL_SIZE}
        except BrushworkError as e:
            data = {"error": str(e)}
        if folder.is_dir():  # the job may have been deleted meanwhile
            tmp = folder / f".{SCORES_FILE}.tmp"
            tmp.write_text(json.dumps(data))
            tmp.replace(folder / SCORES_FILE)
