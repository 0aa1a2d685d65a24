"""Routes for judging results: read the recipe out of a dropped result image, and compare
2 to 6 jobs (as JSON for the compare view, or as one PNG to keep)."""
from __future__ import annotations

import io
from dataclasses import fields

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response

from ..metadata import read_record, settings_from_record
from ..settings import Settings
from .curve import series
from .routes import find, studio
from .schema import stored_settings
from .stream import job_view

router = APIRouter(prefix="/api")
MAX_COMPARE = 6


@router.post("/metadata", summary="The recipe a brushwork result carries (drop one to load its settings)")
async def read_metadata(file: UploadFile = File(..., description="an image written by brushwork")):
    data = await file.read()
    if not data:
        raise HTTPException(422, "the uploaded file is empty")
    record = read_record(data)
    return {"record": record, "settings": stored_settings(settings_from_record(record)),
            "name": (file.filename or "result")[-80:]}


@router.get("/compare", summary="2 to 6 jobs: their views with curves and scores, and the settings that differ")
def compare(request: Request, ids: str = Query(..., description="job ids separated by commas")):
    jobs = chosen(request, ids)
    s = studio(request)
    return {"jobs": [job_view(s, j, curve=True) for j in jobs], "differences": differences(jobs)}


@router.get("/compare.png", summary="The comparison as one PNG: results, differing settings, scores, curves",
            response_class=Response)
def compare_png(request: Request, ids: str = Query(..., description="job ids separated by commas")):
    from PIL import Image

    from ..evaluate.sheet import compare_sheet
    jobs, s = chosen(request, ids), studio(request)
    missing = [j["id"] for j in jobs if s.store.file(j["id"], j.get("result") or "") is None]
    if missing:
        raise HTTPException(409, f"job {missing[0]} has no result to compare")
    views = [job_view(s, j, curve=True) for j in jobs]
    diff = differences(jobs)
    results = []
    for j in jobs:
        with Image.open(s.store.file(j["id"], j["result"])) as im:
            results.append(im.convert("RGB"))
    sheet = compare_sheet(results, [title(v) for v in views], [text_lines(v, diff, i) for i, v in enumerate(views)],
                          [series(v.get("curve") or [], "total") for v in views])
    buf = io.BytesIO()
    sheet.save(buf, "PNG")
    return Response(buf.getvalue(), media_type="image/png",
                    headers={"Content-Disposition": 'attachment; filename="brushwork-compare.png"'})


def chosen(request: Request, ids: str) -> list:
    wanted = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip()))
    if not 2 <= len(wanted) <= MAX_COMPARE:
        raise HTTPException(422, f"compare 2 to {MAX_COMPARE} jobs, not {len(wanted)}")
    return [find(request, i) for i in wanted]


def differences(jobs: list) -> dict:
    """{setting: [value per job]} for the settings that are not the same in every job, in the
    Settings table's order (the preset too, when it differs)."""
    names = ["preset"] + [f.name for f in fields(Settings)]
    rows = {n: [j["preset"] if n == "preset" else j["settings"].get(n) for j in jobs] for n in names}
    return {n: values for n, values in rows.items() if any(v != values[0] for v in values)}


def title(view: dict) -> str:
    return f"{view['id'][:8]} · {view['preset']} · {view['settings']['size']} px"


def text_lines(view: dict, diff: dict, i: int) -> list:
    lines = [f"{name}: {_short(values[i])}" for name, values in diff.items()]
    scores = (view.get("scores") or {}).get("scores")
    if scores:
        lines += [f"{name}: {value:.4g}" for name, value in scores.items()]
    else:
        lines.append("scores: " + ((view.get("scores") or {}).get("error") or "not yet computed"))
    if view.get("elapsed") is not None:
        lines.append(f"time: {view['elapsed']} s")
    return lines


def _short(value) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 34 else text[:33] + "…"
