"""`brushwork serve`: the web studio. `register(subparsers)` adds the subcommand; nothing here
imports FastAPI until the server starts, so the CLI works without the web extras."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import BrushworkError


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "brushwork" / "studio"


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("serve", help="start the web studio (FastAPI) in this process",
                              description="Serve the brushwork web studio: a page to upload images, tune "
                                          "settings, watch runs live and browse past jobs, plus a REST API "
                                          "(docs at /docs).")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    p.add_argument("--data-dir", default=None,
                   help="where jobs, images and the SQLite history are kept (default: $XDG_DATA_HOME/brushwork/"
                        "studio, i.e. ~/.local/share/brushwork/studio)")
    p.add_argument("--workers", type=int, default=1, help="jobs run at the same time (default: %(default)s)")
    p.add_argument("--max-queue", type=int, default=16, help="jobs that may wait (default: %(default)s)")
    p.add_argument("--max-upload-mb", type=float, default=32,
                   help="largest upload, all images of a job together, in MB (default: %(default)s)")
    p.add_argument("--max-megapixels", type=float, default=40,
                   help="largest uploaded image in megapixels (default: %(default)s)")
    p.add_argument("--max-iterations", type=int, default=10_000, help="most iterations one job may ask for "
                   "(default: %(default)s)")
    p.add_argument("--keep-jobs", type=int, default=500, help="finished jobs kept in the history; the oldest "
                   "are deleted when a new job comes (0: keep all; default: %(default)s)")
    p.add_argument("--max-disk-mb", type=float, default=5000, help="disk budget for the jobs' images in MB; the "
                   "oldest finished jobs are deleted to keep within it (0: no limit; default: %(default)s)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a host name the studio answers to besides IP addresses and localhost (repeatable; "
                        "needed when it is reached by name; see docs/security.md)")
    from ..threads import add_threads_argument
    add_threads_argument(p)
    p.set_defaults(func=run_serve)
    return p


def run_serve(args) -> int:
    try:
        import uvicorn
        from .app import create_app
    except ModuleNotFoundError as e:
        raise BrushworkError(f"the web studio needs {e.name}: pip install fastapi uvicorn python-multipart") from None
    check_serve_args(args)
    from ..threads import use_threads
    use_threads(getattr(args, "threads", 0))
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    app = create_app(data_dir, workers=args.workers, max_queue=args.max_queue,
                     max_upload_bytes=int(args.max_upload_mb * 1e6), max_pixels=int(args.max_megapixels * 1e6),
                     allowed_hosts=args.allow_host, max_iterations=args.max_iterations, keep_jobs=args.keep_jobs,
                     max_disk_mb=args.max_disk_mb)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"brushwork: warning: serving on {args.host}: anyone who can reach it can run jobs", file=sys.stderr)
    print(f"brushwork studio on http://{args.host}:{args.port}/  (API docs: /docs; data: {data_dir})",
          file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    stop = server.handle_exit

    def handle_exit(sig, frame):  # end the progress streams first, or shutdown waits for them
        app.state.studio.closing = True
        stop(sig, frame)
    server.handle_exit = handle_exit
    server.run()
    return 0


def check_serve_args(args) -> None:
    import math

    for name in ("workers", "max_queue", "port", "max_iterations"):
        if getattr(args, name) < 1:
            raise BrushworkError(f"--{name.replace('_', '-')} must be at least 1")
    if not 1 <= args.port <= 65535:
        raise BrushworkError(f"--port must be between 1 and 65535, not {args.port}")
    for name, zero_ok in (("max_upload_mb", False), ("max_megapixels", False), ("max_disk_mb", True),
                          ("keep_jobs", True)):
        value = getattr(args, name)
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
            raise BrushworkError(f"--{name.replace('_', '-')} must be a {'non-negative' if zero_ok else 'positive'} "
                                 f"number, not {value}")
