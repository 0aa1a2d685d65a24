"""A job's loss curve: one point per progress report, {"iteration", "level", "losses"}, where
losses holds every term the run reports under its own name (brushwork.terms) plus "total".

Jobs stored before the terms table kept points as lists [iteration, content, style, tv, total,
level]; `read` turns those into points, so old jobs stay readable."""
from __future__ import annotations

from typing import Optional

LEGACY_TERMS = ("content", "style", "tv", "total")


def point(iteration: int, level: int, losses: dict) -> dict:
    return {"iteration": int(iteration), "level": int(level),
            "losses": {name: float(value) for name, value in losses.items()}}


def read(points) -> list:
    """Stored points (either form) as points."""
    return [p if isinstance(p, dict) else _legacy(p) for p in points or []]


def _legacy(p: list) -> dict:
    return point(p[0], p[5] if len(p) > 5 else 0, dict(zip(LEGACY_TERMS, p[1:5])))


def last_losses(points: list) -> Optional[dict]:
    return dict(points[-1]["losses"]) if points else None


def series(points: list, name: str) -> list:
    """[(iteration, value)] of one term, skipping the points that do not report it."""
    return [(p["iteration"], p["losses"][name]) for p in points if name in p["losses"]]
