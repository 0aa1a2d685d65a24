#!/usr/bin/env python
"""Measure `brushwork batch` throughput on this machine: one process using every core against one
single-threaded process per core, and (when Ray is installed) 1 actor against 2 actors, for the
default optimisation recipe (smaller and shorter than shipped, to keep it quick) and for a fast
model (an untrained network of the default architecture: the speed does not depend on its weights).

    python scripts/batch_throughput.py                    # 6 images, 256 px, 40 steps
    python scripts/batch_throughput.py --images 8 --size 384 --iterations 100 --no-ray

Prints a markdown table: seconds in all and images per hour for each way of running. Images are
drawn by brushwork.demo in a temporary folder; nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from brushwork.batch.plan import cross, plan
from brushwork.batch.run import execute, run_local
from brushwork.settings import Settings


def make_inputs(folder: Path, count: int, size: int) -> tuple:
    from brushwork.demo import demo_images

    content, style = demo_images(size)
    paths = []
    for i in range(count):  # different crops so no two items are the same work
        im = content.rotate(i * 7, expand=False).resize(content.size)
        paths.append(folder / f"content{i}.png")
        im.save(paths[-1])
    style.save(folder / "style.png")
    return paths, folder / "style.png"


def recipes(folder: Path, size: int, iterations: int) -> dict:
    import torch

    from brushwork.fast import checkpoint
    from brushwork.fast.network import build
    from brushwork.fast.settings import TrainSettings

    model = checkpoint.save(folder / "fast.pt", build("fast"), TrainSettings(arch="fast"), 0)
    torch.set_num_threads(1)
    opt = Settings(size=size, iterations=iterations, preview_every=0).to_dict()
    return {
        f"default recipe, {size} px, {iterations} steps": ({"kind": "optimise", "settings": opt}, lambda o: opt),
        f"fast model, {size} px": ({"kind": "fast", "model": str(model), "runtime": "auto", "device": "cpu"},
                                   lambda o: {"size": size, "strength": 1.0, "preserve_color": "none"}),
    }


def runners(recipe: dict, cores: int, ray: bool) -> dict:
    out = {f"local, 1 process x {cores} threads": run_local(recipe, 1, cores),
           f"local, {cores} processes x 1 thread": run_local(recipe, cores, 1)}
    if ray:
        from brushwork.batch.ray_runner import run_ray
        out[f"Ray, 1 actor x {cores} CPUs"] = run_ray(recipe, None, cores, 0, 1)
        out[f"Ray, {cores} actors x 1 CPU"] = run_ray(recipe, None, 1, 0, cores)
    return out


def measure(items, run, folder: Path) -> tuple:
    """(wall seconds with start-up, images/hour between the first and the last result)."""
    stamps = []

    def timed(todo):
        for result in run(todo):
            stamps.append(time.perf_counter())
            yield result
    start = time.perf_counter()
    summary = execute(items, timed, folder / f"results-{time.time_ns()}.jsonl", quiet=True)
    if summary.failed:
        raise SystemExit(f"failed: {summary.failed[0]['error']}")
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) * 3600 if len(stamps) > 2 else float("nan")
    return time.perf_counter() - start, steady


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=6, help="images for the optimisation recipe")
    ap.add_argument("--fast-images", type=int, default=60, help="images for the fast model")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    ray = not args.no_ray and __import__("importlib").util.find_spec("ray") is not None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        contents, style = make_inputs(folder, max(args.images, args.fast_images), args.size)
        print(f"{cores} cores, load average {os.getloadavg()[0]:.1f} at the start\n")
        print("| recipe | how it ran | images | wall s (with start-up) | images/hour (steady) |\n"
              "| --- | --- | ---: | ---: | ---: |")
        for name, (recipe, settings) in recipes(folder, args.size, args.iterations).items():
            count = args.fast_images if recipe["kind"] == "fast" else args.images
            for how, run in runners(recipe, cores, ray).items():
                out = folder / f"out-{time.time_ns()}"  # a fresh folder: nothing is skipped
                items = plan(cross(contents[:count], [recipe.get("model", style)]), out, settings)
                seconds, steady = measure(items, run, folder)
                print(f"| {name} | {how} | {count} | {seconds:.1f} | {steady:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
