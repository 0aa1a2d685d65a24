"""One batch worker: it loads the backbone or the fast model once, then turns items into
(record, encoded image) pairs. The same class runs in the CLI's own process, in local worker
processes and inside Ray actors; it never writes files, so the one process that does is the driver."""
from __future__ import annotations

import time
from pathlib import Path

from .. import images
from ..errors import BrushworkError

OPTIMISE, FAST = "optimise", "fast"


class Worker:
    """recipe: {"kind": "optimise", "settings": {...}} or {"kind": "fast", "model": path,
    "runtime": ..., "device": ...}; both may give "quality" (JPEG/WebP). threads: torch's CPU
    threads in this process (0 leaves the default)."""

    def __init__(self, recipe: dict, threads: int = 0):
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.recipe, self.threads, self.runner, self.error = recipe, threads, None, None
        self.device = recipe.get("device", "cpu") if recipe["kind"] == FAST else None
        try:
            self.load()
        except BrushworkError as e:  # every item then fails with this reason, and the batch says so
            self.error = f"the worker could not load its model: {e}"

    def load(self) -> None:
        if self.recipe["kind"] == FAST:
            from ..fast.apply import load_runner
            self.runner, _ = load_runner(self.recipe["model"], self.recipe.get("runtime", "auto"),
                                         self.device, self.threads)
        else:
            from ..engine import pick_device, plan_job
            from ..settings import Settings
            settings = Settings.from_dict(self.recipe["settings"])
            plan_job(settings, pick_device(settings.device))  # the engine caches the backbone

    def __call__(self, item: dict) -> tuple:
        start = time.perf_counter()
        data, error = None, self.error
        if error is None:
            try:
                im = self.render(item)
                data = images.encode_image(im, Path(item["output"]).suffix, self.recipe.get("quality", 95))
            except BrushworkError as e:
                error = str(e)
            except Exception as e:  # one odd image must not stop the batch; its record says why
                error = f"{type(e).__name__}: {e}"
        record = {"input": item["content"], "style": item["style"], "output": item["output"],
                  "settings": item["settings"], "seconds": round(time.perf_counter() - start, 3),
                  "status": "ok" if error is None else "failed", "error": error}
        return record, data

    def render(self, item: dict):
        if self.recipe["kind"] == FAST:
            from ..fast.apply import check_strength, stylise
            s = item["settings"]
            im = images.load_image(item["content"], "input image")
            if s.get("size"):
                im = images.resize_long(im, int(s["size"]))
            out = stylise(self.runner, images.to_tensor(im, self.device), check_strength(float(s.get("strength", 1.0))),
                          s.get("preserve_color", "none") != "none")
            return images.to_image(out)
        from ..engine import stylize
        from ..settings import Settings
        return stylize(item["content"], [item["style"]], Settings.from_dict(item["settings"]))
