"""The job queue: a bounded FIFO served by a fixed pool of worker threads. Each live job has a
Feed that its worker writes (status, loss curve, latest preview) and progress streams read."""
from __future__ import annotations

import io
import logging
import threading
import time
from collections import deque
from typing import Callable, Optional

from ..errors import BrushworkError, Cancelled
from ..settings import Settings
from . import curve
from .store import FINISHED, Store

log = logging.getLogger("brushwork.web")


class QueueFull(Exception):
    """More jobs are waiting than the queue holds."""


class Feed:
    """What a progress stream shows of one job. Versions let a reader ask 'what is new?'."""

    def __init__(self, status: str, curve=None):
        self.lock = threading.Lock()
        self.status, self.position, self.state_version = status, 0, 0
        self.curve = list(curve or [])
        self.level, self.levels = 0, 1
        self.preview, self.preview_iteration, self.preview_version = None, 0, 0

    def set_state(self, status: Optional[str] = None, position: Optional[int] = None) -> None:
        with self.lock:
            self.status = status or self.status
            self.position = self.position if position is None else position
            self.state_version += 1

    def add_point(self, point: dict, level: int, levels: int) -> None:
        with self.lock:
            self.curve.append(point)
            self.level, self.levels = level, levels

    def set_preview(self, iteration: int, jpeg: bytes) -> None:
        with self.lock:
            self.preview, self.preview_iteration = jpeg, iteration
            self.preview_version += 1

    def read(self, cursor: dict) -> dict:
        """What changed since `cursor` (updated in place): state (bool), points, preview bytes."""
        with self.lock:
            news = {"state": cursor["state"] != self.state_version, "points": self.curve[cursor["curve"]:],
                    "preview": self.preview if cursor["preview"] != self.preview_version else None,
                    "preview_iteration": self.preview_iteration, "level": self.level, "levels": self.levels,
                    "finished": self.status in FINISHED}
            cursor.update(state=self.state_version, curve=len(self.curve), preview=self.preview_version)
        return news


class JobManager:
    def __init__(self, store: Store, runner: Callable, workers: int = 1, max_queue: int = 16):
        self.store, self.runner = store, runner
        self.workers, self.max_queue = max(1, workers), max(1, max_queue)
        self.queue: deque = deque()
        self.cond = threading.Condition()
        self.feeds: dict = {}
        self.cancels: dict = {}
        self.threads: list = []
        self.stopping = False
        self.on_finish: Optional[Callable] = None  # called with the id of each job done

    # --- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        for job_id in self.store.recover():
            self._enqueue(job_id)
        for i in range(self.workers):
            t = threading.Thread(target=self._work, name=f"brushwork-worker-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self, timeout: float = 10) -> None:
        """Cancel what runs (those jobs go back to the queue for the next start) and stop."""
        with self.cond:
            self.stopping = True
            for event in self.cancels.values():
                event.set()
            self.cond.notify_all()
        for t in self.threads:
            t.join(timeout)

    # --- queue ---------------------------------------------------------------------------
    def check_room(self) -> None:
        """QueueFull (503) when `max_queue` jobs are waiting: the one place that refuses."""
        with self.cond:
            if len(self.queue) >= self.max_queue:
                raise QueueFull(f"the queue is full ({self.max_queue} jobs waiting); "
                                f"try again when a job has finished")

    def submit(self, job_id: str) -> int:
        """Queue a stored job; its 1-based queue position. QueueFull when there is no room."""
        with self.cond:  # one hold of the lock: no other submit takes the place checked
            self.check_room()
            return self._enqueue(job_id)

    def _enqueue(self, job_id: str) -> int:
        with self.cond:
            self.feeds[job_id] = Feed("queued")
            self.cancels[job_id] = threading.Event()
            self.queue.append(job_id)
            self._renumber()
            self.cond.notify()
            return len(self.queue)

    def _renumber(self) -> None:
        for i, job_id in enumerate(self.queue):
            self.feeds[job_id].set_state(position=i + 1)

    def position(self, job_id: str) -> int:
        with self.cond:
            return self.queue.index(job_id) + 1 if job_id in self.queue else 0

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False when it is not live."""
        with self.cond:
            if job_id in self.queue:
                self.queue.remove(job_id)
                self._renumber()
                self._finish(job_id, "cancelled", error="cancelled before it started")
                return True
            event = self.cancels.get(job_id)
        if event is None:
            return False
        event.set()
        return True

    def feed(self, job_id: str) -> Optional[Feed]:
        return self.feeds.get(job_id)

    def stats(self) -> dict:
        with self.cond:
            running = sum(1 for f in self.feeds.values() if f.status == "running")
            return {"workers": self.workers, "running": running, "queued": len(self.queue),
                    "max_queue": self.max_queue}

    # --- workers -------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self.cond:
                while not self.queue and not self.stopping:
                    self.cond.wait()
                if self.stopping:
                    return
                job_id = self.queue.popleft()
                self._renumber()
                self.feeds[job_id].set_state("running", 0)
            self._run(job_id)

    def _run(self, job_id: str) -> None:
        self.store.update(job_id, status="running", started=time.time(), error=None)
        try:
            content, styles, settings = self._inputs(job_id)
            image = self.runner(content, styles, settings, progress=self._progress(job_id),
                                cancel=self.cancels[job_id])
            self._finish(job_id, "done", image=image)
        except Cancelled as c:
            if self.stopping:
                self._requeue_on_restart(job_id)
            else:
                self._finish(job_id, "cancelled", image=c.image, error="cancelled")
        except BrushworkError as e:
            self._finish(job_id, "failed", error=str(e))
        except Exception as e:  # noqa: BLE001 - a job must never take its worker down
            log.exception("job %s crashed", job_id)
            self._finish(job_id, "failed", error=f"internal error: {type(e).__name__}: {e}")

    def _inputs(self, job_id: str) -> tuple:
        job = self.store.get(job_id)
        folder = self.store.folder(job_id)
        data = dict(job["settings"])
        if job["inputs"].get("init"):
            data["init_image"] = str(folder / job["inputs"]["init"])
        styles = [str(folder / name) for name in job["inputs"]["styles"]]
        return str(folder / job["inputs"]["content"]), styles, Settings.from_dict(data)

    def _progress(self, job_id: str) -> Callable:
        feed, last_saved = self.feeds[job_id], [0.0]

        def report(p) -> None:
            point = curve.point(p.iteration, p.level, p.losses)
            losses = point["losses"]
            feed.add_point(point, p.level, p.levels)
            if p.image is not None:
                feed.set_preview(p.iteration, encode(p.image, "JPEG"))
            if time.monotonic() - last_saved[0] > 2:
                last_saved[0] = time.monotonic()
                self.store.update(job_id, iteration=p.iteration, losses=losses)
        return report

    def _finish(self, job_id: str, status: str, image=None, error: Optional[str] = None) -> None:
        feed = self.feeds.get(job_id)
        changes = dict(status=status, finished=time.time(), error=error)
        if feed is not None and feed.curve:
            changes.update(curve=feed.curve, iteration=feed.curve[-1]["iteration"],
                           losses=curve.last_losses(feed.curve))
        if image is not None:
            from .scores import result_record
            record = result_record(self.store, job_id)
            changes["result"] = self.store.write_file(job_id, "result.png", encode(image, "PNG", record))
        self.store.update(job_id, **changes)
        if status == "done" and image is not None and self.on_finish is not None:
            self.on_finish(job_id)
        if feed is not None:
            feed.set_state(status, 0)
        self.feeds.pop(job_id, None)
        self.cancels.pop(job_id, None)

    def _requeue_on_restart(self, job_id: str) -> None:
        self.store.update(job_id, status="queued", started=None, iteration=0, error=None)
        feed = self.feeds.pop(job_id, None)
        if feed is not None:
            feed.set_state("queued")
        self.cancels.pop(job_id, None)


def encode(image, fmt: str, record=None) -> bytes:
    """`image` as bytes; a PNG embeds `record` (brushwork.metadata) when one is given."""
    from ..metadata import save_options

    buf = io.BytesIO()
    image.save(buf, fmt, **({"quality": 85} if fmt == "JPEG" else {"optimize": False}),
               **(save_options(fmt, record) if record else {}))
    return buf.getvalue()
