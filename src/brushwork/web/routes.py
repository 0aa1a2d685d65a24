"""The REST API. Routes stay thin: they check input, then call the job service, the store or the queue."""
from __future__ import annotations

from typing import List, Optional

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse

from . import service
from .schema import check_limits, parse_settings, settings_schema, stored_settings
from .store import FINISHED, STATUSES
from .stream import events, job_view
from .uploads import check_image

router = APIRouter(prefix="/api")
MEDIA = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def studio(request: Request):
    return request.app.state.studio


def find(request: Request, job_id: str) -> dict:
    job = studio(request).store.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job with id '{job_id[:40]}'")
    return job


@router.get("/settings", summary="The settings form: every field, the presets, the backbones and the limits")
def get_settings(request: Request):
    return {**settings_schema(), "limits": vars(studio(request).limits)}


@router.get("/queue", summary="Workers, running and queued job counts")
def get_queue(request: Request):
    return studio(request).manager.stats()


@router.post("/jobs", status_code=201, summary="Create a job (multipart: content, styles, preset, settings)")
async def create_job(request: Request,
                     content: UploadFile = File(..., description="the photo to repaint"),
                     styles: List[UploadFile] = File(..., description="one or more style images"),
                     preset: str = Form("brushwork", description="starting settings"),
                     settings: str = Form("{}", description="JSON object of settings overriding the preset"),
                     init: Optional[UploadFile] = File(None, description="starting image when init is 'file'")):
    s = studio(request)
    s.manager.check_room()  # refused before the uploads are read
    if len(styles) > s.limits.max_styles:
        raise HTTPException(422, f"{len(styles)} style images; at most {s.limits.max_styles} are accepted")
    has_init = init is not None and bool(init.filename)
    parsed = check_limits(parse_settings(preset, settings, len(styles), has_init), s.limits)
    uploads = {"content": await _image(content, "content image", s)}
    for i, style in enumerate(styles):
        uploads[f"style-{i}"] = await _image(style, f"style image {i + 1}", s)
    if has_init:
        uploads["init"] = await _image(init, "starting image", s)
    return service.create(s, preset, stored_settings(parsed), uploads)


async def _image(upload: UploadFile, what: str, s):
    """Decoded in a worker thread (a few at a time): a large image must not stall the server."""
    import anyio
    return await anyio.to_thread.run_sync(check_image, await upload.read(), upload.filename or "", what,
                                          s.limits.max_pixels, limiter=s.decoder)


@router.get("/jobs", summary="List jobs, newest first")
def list_jobs(request: Request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
              status: Optional[str] = Query(None, description=f"one of {', '.join(STATUSES)}")):
    s = studio(request)
    if status is not None and status not in STATUSES:
        raise HTTPException(422, f"status must be one of {', '.join(STATUSES)}, not '{status[:40]}'")
    return {"jobs": [job_view(s, j) for j in s.store.list(limit, offset, status)], "total": s.store.count(),
            "queue": s.manager.stats()}


@router.get("/jobs/{job_id}", summary="A job's status, settings, losses and file links")
def get_job(request: Request, job_id: str):
    return job_view(studio(request), find(request, job_id), curve=True)


@router.get("/jobs/{job_id}/events", summary="Progress as server-sent events: state, progress, preview")
def job_events(request: Request, job_id: str):
    s, job = studio(request), find(request, job_id)
    return StreamingResponse(events(request, s, job), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/jobs/{job_id}/result", summary="The result as a PNG download", response_class=FileResponse)
def get_result(request: Request, job_id: str):
    job = find(request, job_id)
    path = studio(request).store.file(job_id, job["result"] or "")
    if path is None:
        raise HTTPException(404 if job["status"] in FINISHED else 409,
                            f"job {job_id} has no result ({job['status']})")
    return FileResponse(path, media_type="image/png", filename=f"brushwork-{job_id}.png")


@router.get("/jobs/{job_id}/preview", summary="The latest preview of a running job (JPEG)")
def get_preview(request: Request, job_id: str):
    find(request, job_id)
    feed = studio(request).manager.feed(job_id)
    if feed is None or feed.preview is None:
        raise HTTPException(404, f"job {job_id} has no preview now")
    return Response(feed.preview, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/jobs/{job_id}/files/{name}", summary="One of a job's images (inputs or result)")
def get_file(request: Request, job_id: str, name: str):
    path = studio(request).store.file(job_id, name)
    if path is None:
        raise HTTPException(404, f"no file '{name[:80]}' in job '{job_id[:40]}'")
    return FileResponse(path, media_type=MEDIA[path.suffix[1:]], headers={"Cache-Control": "max-age=3600"})


@router.post("/jobs/{job_id}/cancel", summary="Cancel a queued or running job")
def cancel_job(request: Request, job_id: str):
    s, job = studio(request), find(request, job_id)
    if job["status"] in FINISHED or not s.manager.cancel(job_id):
        raise HTTPException(409, f"job {job_id} has already finished ({job['status']})")
    return job_view(s, s.store.get(job_id))


@router.post("/jobs/{job_id}/rerun", status_code=201, summary="Queue a new job with the same images and settings")
def rerun_job(request: Request, job_id: str):
    find(request, job_id)
    return service.rerun(studio(request), job_id)


@router.delete("/jobs/{job_id}", summary="Delete a finished or queued job and its files")
def delete_job(request: Request, job_id: str):
    s, job = studio(request), find(request, job_id)
    if job["status"] == "running":
        raise HTTPException(409, f"job {job_id} is running: cancel it first")
    if job["status"] == "queued":
        s.manager.cancel(job_id)
    s.store.delete(job_id)
    return {"deleted": job_id}
