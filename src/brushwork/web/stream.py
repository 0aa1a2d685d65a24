"""How a job looks from outside: its JSON view and its server-sent event stream."""
from __future__ import annotations

import asyncio
import base64
import json
import time

from .curve import last_losses
from .scores import read_scores

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15


def job_view(studio, job: dict, curve: bool = False) -> dict:
    """The public JSON of a job: the stored record, live progress overlaid, file links.
    curve points are {"iteration", "level", "losses": {term: value, ..., "total": value}} (curve.py)."""
    job_id, base = job["id"], f"/api/jobs/{job['id']}"
    inputs = job["inputs"] or {}
    feed = studio.manager.feed(job_id)
    view = {k: job[k] for k in ("id", "status", "created", "started", "finished", "preset", "settings",
                                "error", "iteration", "total", "losses")}
    view.update(position=0, level=0, levels=1, elapsed=_elapsed(job), names=inputs.get("names", {}),
                sizes=inputs.get("sizes", {}), links={
                    "self": base, "events": f"{base}/events",
                    "content": f"{base}/files/{inputs.get('content')}",
                    "styles": [f"{base}/files/{n}" for n in inputs.get("styles", [])],
                    "init": f"{base}/files/{inputs['init']}" if inputs.get("init") else None,
                    "result": f"{base}/files/{job['result']}" if job.get("result") else None,
                    "download": f"{base}/result" if job.get("result") else None})
    view["scores"] = read_scores(studio.store, job_id) if job["status"] == "done" else None
    points = job.get("curve") or []
    if feed is not None:
        with feed.lock:
            points = list(feed.curve)
            view.update(status=feed.status, position=feed.position, level=feed.level, levels=feed.levels)
        if points:
            view.update(iteration=points[-1]["iteration"], losses=last_losses(points))
    if curve:
        view["curve"] = points
    return view


def _elapsed(job: dict):
    if not job.get("started"):
        return None
    return round((job.get("finished") or time.time()) - job["started"], 1)


def sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def events(request, studio, job: dict):
    """state (the job's view) whenever its status or queue position changes; progress (new loss
    points); preview (a JPEG data URL). Ends after the job finishes."""
    feed = studio.manager.feed(job["id"])
    if feed is None:  # finished (or from before a restart): its whole story at once
        yield sse("progress", {"points": job.get("curve") or [], "level": 0, "levels": 1})
        yield sse("state", job_view(studio, job))
        yield sse("end", {"status": job["status"]})
        return
    cursor, quiet_since = {"state": -1, "curve": 0, "preview": 0}, time.monotonic()
    while True:
        news = feed.read(cursor)
        for chunk in _news_events(studio, job["id"], news):
            quiet_since = time.monotonic()
            yield chunk
        if news["finished"]:
            yield sse("end", {"status": feed.status})
            return
        if studio.closing or await request.is_disconnected():
            return
        if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)


def _news_events(studio, job_id: str, news: dict):
    if news["points"]:
        yield sse("progress", {"points": news["points"], "level": news["level"], "levels": news["levels"]})
    if news["preview"] is not None:
        url = "data:image/jpeg;base64," + base64.b64encode(news["preview"]).decode()
        yield sse("preview", {"iteration": news["preview_iteration"], "image": url})
    if news["state"]:
        job = studio.store.get(job_id)
        if job is not None:
            yield sse("state", job_view(studio, job))
