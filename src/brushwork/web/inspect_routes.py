"""The "Inside the network" API: the model map for the form's settings, unit patches over a
job's or the history's images, feature maps, and reconstructions streamed cell by cell."""
from __future__ import annotations

import asyncio
import json
import time
from typing import List, Optional

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ..images import load_image
from ..inspect.features import load_backbone
from ..inspect.geometry import check_layer
from ..inspect.maps import feature_maps
from ..inspect.netmap import model_map, to_text
from ..inspect.reconstruction import reconstruct
from ..inspect.svgmap import to_svg
from ..inspect.units import unit_patches
from ..settings import Settings
from .inspect_tasks import Reconstructions, data_url
from .schema import parse_settings
from .stream import KEEPALIVE_SECONDS, POLL_SECONDS, sse

router = APIRouter(prefix="/api/inspect", tags=["inside the network"])
HISTORY_IMAGES = 24
BACKBONE = Settings().backbone


def studio(request: Request):
    return request.app.state.studio


def tasks(request: Request) -> Reconstructions:
    if not hasattr(request.app.state, "reconstructions"):
        request.app.state.reconstructions = Reconstructions()
    return request.app.state.reconstructions


def network(name: str):
    return load_backbone(name)


def source_image(request: Request, source: str):
    """A job's image named "JOB_ID/FILE" or by its link /api/jobs/JOB_ID/files/FILE."""
    parts = source.strip("/").split("/")
    if len(parts) == 5 and parts[:2] == ["api", "jobs"] and parts[3] == "files":
        parts = [parts[2], parts[4]]
    path = studio(request).store.file(*parts) if len(parts) == 2 else None
    if path is None:
        raise HTTPException(404, f"no image '{source[:80]}': give JOB_ID/FILE of a job's image")
    return load_image(path)


def job_sources(job: dict) -> list:
    inputs = job["inputs"] or {}
    names = [inputs.get("content"), *inputs.get("styles", []), job.get("result")]
    return [f"{job['id']}/{n}" for n in names if n]


@router.get("/map", summary="Every layer of the backbone and the loss nodes the settings attach")
def get_map(preset: str = "brushwork", settings: str = Query("{}", description="JSON object of overrides")):
    try:
        raw = json.loads(settings or "{}")
    except json.JSONDecodeError:
        raw = None
    blend = raw.get("style_blend") if isinstance(raw, dict) else None
    styles = len(blend.split(",") if isinstance(blend, str) else blend) if blend else 1
    m = model_map(parse_settings(preset, settings, styles, has_init=True))
    return {**m.to_dict(), "text": to_text(m), "svg": to_svg(m)}


class UnitsRequest(BaseModel):
    layer: str
    backbone: str = BACKBONE
    job: Optional[str] = Field(None, description="a job id: its content, styles and result; none: the history")
    images: Optional[List[str]] = Field(None, description="or these JOB_ID/FILE images")
    units: int = Field(9, ge=1, le=32)
    unit: Optional[List[int]] = Field(None, description="these units instead of the most active")
    patches: int = Field(9, ge=1, le=16)
    size: int = Field(256, ge=32, le=512)


@router.post("/units", summary="The image patches that excite the layer's most active (or chosen) units")
def post_units(request: Request, body: UnitsRequest):
    net = network(body.backbone)
    sources = body.images or unit_sources(request, body.job)
    if not sources:
        raise HTTPException(404, "no images to look at: run a job first")
    pictures = [(s, source_image(request, s)) for s in sources]
    report = unit_patches(net, body.layer, pictures, body.units, body.unit, body.patches, body.size)
    return {**report.to_dict(), "image": data_url(report.grid), "size": list(report.grid.size)}


def unit_sources(request: Request, job_id: Optional[str]) -> list:
    store = studio(request).store
    if job_id:
        job = store.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job with id '{job_id[:40]}'")
        return job_sources(job)
    return [s for job in store.list(HISTORY_IMAGES) for s in job_sources(job)][:HISTORY_IMAGES]


@router.get("/maps", summary="Activation maps of a layer's most active channels for one image")
def get_maps(request: Request, source: str, layer: str, backbone: str = BACKBONE,
             channels: int = Query(16, ge=1, le=64), size: int = Query(256, ge=32, le=512)):
    report = feature_maps(network(backbone), layer, source_image(request, source), channels, size)
    return {**report.to_dict(), "image": data_url(report.grid), "size": list(report.grid.size)}


class ReconstructRequest(BaseModel):
    source: str = Field(..., description="JOB_ID/FILE of a job's image")
    backbone: str = BACKBONE
    layers: Optional[List[str]] = Field(None, description="default: the backbone's style layers")
    size: int = Field(256, ge=32, le=512)
    steps: int = Field(60, ge=1, le=500)
    seed: int = 0
    tv: float = Field(1.0, ge=0, le=100)


@router.post("/reconstructions", status_code=201, summary="Start a Gatys Fig. 1 grid; cells stream as they finish")
def post_reconstruction(request: Request, body: ReconstructRequest):
    net, image = network(body.backbone), source_image(request, body.source)
    layers = body.layers or list(net.default_style)
    for name in layers:  # refuse a bad layer now, not in the thread
        check_layer(net, name)

    def work(task):
        reconstruct(net, image, layers, body.size, body.steps, body.seed, body.tv,
                    on_step=task.step, on_cell=task.add_cell, cancel=task.cancel)
    task = tasks(request).start({"backbone": body.backbone, "layers": layers, "source": body.source}, work)
    return task.view()


def find_task(request: Request, task_id: str):
    task = tasks(request).get(task_id)
    if task is None:
        raise HTTPException(404, f"no reconstruction with id '{task_id[:40]}'")
    return task


@router.get("/reconstructions/{task_id}", summary="A reconstruction's progress and its cells from ?since=N on")
def get_reconstruction(request: Request, task_id: str, since: int = Query(0, ge=0)):
    return find_task(request, task_id).view(since)


@router.post("/reconstructions/{task_id}/cancel", summary="Stop a running reconstruction")
def cancel_reconstruction(request: Request, task_id: str):
    task = find_task(request, task_id)
    if task.status != "running":
        raise HTTPException(409, f"reconstruction {task_id} has already finished ({task.status})")
    task.cancel.set()
    return task.view()


@router.get("/reconstructions/{task_id}/events", summary="Server-sent events: progress, cell, end")
def reconstruction_events(request: Request, task_id: str):
    task = find_task(request, task_id)
    return StreamingResponse(task_events(request, task), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def task_events(request: Request, task):
    sent, last_done, quiet = 0, -1, time.monotonic()
    while True:
        view = task.view(sent)
        if view["done"] != last_done:
            last_done = view["done"]
            yield sse("progress", {"done": view["done"], "total": view["total"]})
        for cell in view["cells"]:
            yield sse("cell", cell)
        sent, quiet = view["ncells"], time.monotonic() if view["cells"] else quiet
        if view["status"] != "running":
            yield sse("end", {"status": view["status"], "error": view["error"]})
            return
        if studio(request).closing or await request.is_disconnected():
            return
        if time.monotonic() - quiet > KEEPALIVE_SECONDS:
            quiet = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)

