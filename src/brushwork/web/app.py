"""The web studio's FastAPI application. `create_app(data_dir, ...)` builds one; nothing is read
from the environment, so tests get an app without a server."""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import BrushworkError
from .guard import Guard
from .jobs import JobManager, QueueFull
from .scores import ScoreWorker
from .store import Store
from .uploads import BodyLimit, UploadRefused

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("brushwork.web")


@dataclass
class Limits:
    max_upload_bytes: int = 32_000_000  # all images of one job together
    max_pixels: int = 40_000_000  # per uploaded image
    max_styles: int = 8
    max_queue: int = 16  # jobs waiting (not counting those running)
    max_iterations: int = 10_000  # per job
    keep_jobs: int = 500  # finished jobs kept in the history; the oldest go first
    max_disk_mb: float = 5_000  # job images together; the oldest finished jobs go first
    decode_threads: int = 2  # uploads decoded at the same time (off the event loop)


@dataclass
class Studio:
    store: Store
    manager: JobManager
    limits: Limits
    closing: bool = False  # set when the server is asked to stop: progress streams end
    scores: Optional[ScoreWorker] = None
    decoder: Optional[object] = None  # an anyio CapacityLimiter bounding concurrent image decoding


def create_app(data_dir, workers: int = 1, max_queue: int = 16, max_upload_bytes: int = 32_000_000,
               max_pixels: int = 40_000_000, max_styles: int = 8, runner: Optional[Callable] = None,
               scorer: Optional[Callable] = None, allowed_hosts=(), **more_limits) -> FastAPI:
    """The studio app storing its jobs under `data_dir`. `runner` replaces brushwork.stylize
    and `scorer` brushwork.evaluate.score (same signatures), for tests; the worker pool and the
    scoring thread start and stop with the app's lifespan. `allowed_hosts`: host names answered
    besides IP addresses and localhost; `more_limits`: the other fields of Limits."""
    if runner is None:
        from ..engine import stylize as runner
    limits = Limits(max_upload_bytes, max_pixels, max_styles, max_queue, **more_limits)
    store = Store(data_dir)
    import anyio
    studio = Studio(store, JobManager(store, runner, workers, max_queue), limits, scores=ScoreWorker(store, scorer),
                    decoder=anyio.CapacityLimiter(max(1, limits.decode_threads)))
    studio.manager.on_finish = studio.scores.submit

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        studio.manager.start()
        studio.scores.start()
        yield
        studio.manager.stop()
        studio.scores.stop()

    app = FastAPI(title="brushwork studio", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Neural style transfer jobs: upload a content image and style images, "
                              "follow the progress as server-sent events, fetch the result.")
    app.state.studio = studio
    add_error_handlers(app)
    app.add_middleware(BodyLimit, limit=max_upload_bytes)
    app.add_middleware(Guard, allowed_hosts=allowed_hosts)
    from .compare import router as compare_router
    from .inspect_routes import router as inspect_router
    from .routes import router
    app.include_router(router)
    app.include_router(compare_router)
    app.include_router(inspect_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def docs():  # drawn here from the schema: no CDN, works offline
        from .apidocs import docs_page
        return HTMLResponse(docs_page(app.openapi()))
    return app


def error(status: int, message: str, headers: Optional[dict] = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" \
            else f"not found: {request.url.path[:80]}"
        status = 422 if exc.status_code == 400 else exc.status_code  # Starlette's unreadable forms: a bad form
        return error(status, str(message), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", "invalid"))
        return error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(BrushworkError)
    async def bad_input(request: Request, exc: BrushworkError):
        return error(422, str(exc))

    @app.exception_handler(UploadRefused)
    async def refused(request: Request, exc: UploadRefused):
        return error(exc.status, exc.message)

    @app.exception_handler(QueueFull)
    async def full(request: Request, exc: QueueFull):
        return error(503, str(exc), {"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return error(500, f"internal error: {type(exc).__name__}: {exc}")
