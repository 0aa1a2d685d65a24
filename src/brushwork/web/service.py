"""The job service: a new job from checked uploads, or a re-run of a stored one. The routes
parse HTTP input and call these; room in the queue, retention and undo on error live here."""
from __future__ import annotations

import contextlib
import shutil

from ..settings import Settings
from ..tiles import total_steps
from .retention import make_room
from .stream import job_view


def create(studio, preset: str, settings: dict, uploads: dict) -> dict:
    """Store and queue a job; `uploads` maps "content", "style-0", ... and "init" to checked
    uploads (uploads.Upload). Its view; QueueFull (503) or UploadRefused (507) leave no trace."""
    studio.manager.check_room()
    make_room(studio, sum(len(u.data) for u in uploads.values()))
    job_id = studio.store.new_id()
    with _undo_on_error(studio, job_id):
        files = {key: studio.store.write_file(job_id, f"{key}.{u.ext}", u.data) for key, u in uploads.items()}
        inputs = {"content": files["content"], "styles": [files[k] for k in files if k.startswith("style-")],
                  "init": files.get("init"), "names": {k: u.name for k, u in uploads.items()},
                  "sizes": {k: [u.width, u.height] for k, u in uploads.items()}}
        return _enqueue(studio, job_id, preset, settings, inputs)


def rerun(studio, job_id: str) -> dict:
    """Queue a new job with the images and settings of the stored job `job_id`; its view."""
    job = studio.store.get(job_id)
    studio.manager.check_room()
    new_id = studio.store.new_id()
    with _undo_on_error(studio, new_id):
        _copy_inputs(studio.store.folder(job_id), studio.store.folder(new_id), job["inputs"])
        make_room(studio)  # after the copy: the job re-run may be the oldest one
        return _enqueue(studio, new_id, job["preset"], job["settings"], job["inputs"])


def _copy_inputs(old, new, inputs: dict) -> None:
    new.mkdir(parents=True)
    for name in [inputs["content"], *inputs["styles"], inputs.get("init")]:
        if name:
            shutil.copyfile(old / name, new / name)


@contextlib.contextmanager
def _undo_on_error(studio, job_id: str):
    """A job that could not be stored and queued leaves no folder and no record behind."""
    try:
        yield
    except BaseException:
        studio.store.delete(job_id)
        raise


def _enqueue(studio, job_id: str, preset: str, settings: dict, inputs: dict) -> dict:
    """Record the job whose files are stored and queue it (QueueFull when the last place went
    to another request in the meantime: the caller's undo removes the record)."""
    studio.store.create(job_id, preset, settings, inputs, _total(settings, inputs))
    studio.manager.submit(job_id)
    return job_view(studio, studio.store.get(job_id))


def _total(settings: dict, inputs: dict) -> int:
    """Progress iterations the run will count (print sizes add finer levels and tiles)."""
    plan = Settings(**{k: settings[k] for k in ("size", "scales", "iterations", "detail_steps") if k in settings})
    size = inputs.get("sizes", {}).get("content")
    return total_steps(plan, *size) if size else plan.iterations
