"""Reconstructions for the studio's "Inside the network" tab: each runs in its own thread and
keeps its finished cells (PNG data URLs) and its step count, which the event stream and the
polling endpoint read. A few run at most at once; more are refused as a full queue is."""
from __future__ import annotations

import base64
import io
import logging
import threading
import time
import uuid
from typing import Callable

from ..errors import BrushworkError, Cancelled
from .jobs import QueueFull

log = logging.getLogger("brushwork.web")
KEEP = 8  # finished reconstructions kept in memory for late readers


def data_url(image, fmt: str = "PNG") -> str:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode()


class Task:
    def __init__(self, task_id: str, meta: dict):
        self.id, self.meta = task_id, meta
        self.lock = threading.Lock()
        self.status, self.error, self.done, self.total = "running", None, 0, 0
        self.cells: list = []
        self.cancel = threading.Event()
        self.started, self.finished = time.time(), None

    def view(self, since: int = 0) -> dict:
        with self.lock:
            return {"id": self.id, **self.meta, "status": self.status, "error": self.error, "done": self.done,
                    "total": self.total, "cells": self.cells[since:], "ncells": len(self.cells),
                    "links": {"self": f"/api/inspect/reconstructions/{self.id}",
                              "events": f"/api/inspect/reconstructions/{self.id}/events"}}

    def step(self, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = done, total

    def add_cell(self, cell, rec) -> None:
        box = list(rec.layout.box(cell.row, cell.col))
        entry = {"kind": cell.kind, "layer": cell.layer, "row": cell.row, "col": cell.col, "cell": box,
                 "loss": cell.loss, "seconds": round(cell.seconds, 2), "image": data_url(cell.image)}
        with self.lock:
            self.cells.append(entry)

    def end(self, status: str, error=None) -> None:
        with self.lock:
            self.status, self.error, self.finished = status, error, time.time()


class Reconstructions:
    def __init__(self, limit: int = 1):
        self.limit, self.tasks, self.lock = limit, {}, threading.Lock()

    def running(self) -> int:
        return sum(t.status == "running" for t in self.tasks.values())

    def start(self, meta: dict, work: Callable) -> Task:
        """Run work(task) in a thread; QueueFull when `limit` are already running."""
        with self.lock:
            if self.running() >= self.limit:
                raise QueueFull(f"{self.limit} reconstruction{'s are' if self.limit > 1 else ' is'} already "
                                f"running; wait for it to finish or cancel it")
            task = Task(uuid.uuid4().hex[:16], meta)
            self.tasks[task.id] = task
            for old in [t for t in self.tasks.values() if t.status != "running"][:-KEEP]:
                self.tasks.pop(old.id)
        threading.Thread(target=self._run, args=(task, work), daemon=True, name=f"reconstruct-{task.id}").start()
        return task

    def _run(self, task: Task, work: Callable) -> None:
        try:
            work(task)
            task.end("done")
        except Cancelled:
            task.end("cancelled", "cancelled")
        except BrushworkError as e:
            task.end("failed", str(e))
        except Exception as e:  # noqa: BLE001 - a failure must reach the page, not kill the server
            log.exception("reconstruction %s crashed", task.id)
            task.end("failed", f"internal error: {type(e).__name__}: {e}")

    def get(self, task_id: str):
        return self.tasks.get(task_id)

    def stop(self) -> None:
        for t in list(self.tasks.values()):
            t.cancel.set()
