"""Wall time, peak RSS and the memory estimate at print sizes, for the default recipe (or any
settings given as JSON). Each size runs in its own process, so each peak is its own.

    python benchmarks/bench_sizes.py [--sizes 512,1024,2048,4096] [--content C --style S]
        [--settings '{"detail_steps": 20}'] [--out FOLDER]

Without --content/--style the project's demo images are used (generated at the largest size).
"cpu s" is the process's CPU time (user + system), a figure that a busy machine changes less
than the wall time. The estimate is what the run computed before starting (memory.estimate); "ratio" is
estimate / measured peak and should lie within 0.7..1.3. Results: docs/print-size.md."""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path


def one_size(size: int, content: str, style: str, settings: dict, out: str) -> dict:
    """In a child process: estimate, then run, at `size`."""
    from brushwork import Settings, engine, images, memory

    s = Settings(**{**settings, "size": size}).validate()
    device = engine.pick_device(s.device)
    job = engine.plan_job(s, device)
    shape = images.resize_long(images.load_image(content), size).size[::-1]
    estimate = memory.estimate(job, shape, device, styles=[images.load_image(style).size])
    start = time.perf_counter()
    result = engine.stylize(content, style, s)
    wall = time.perf_counter() - start
    if out:
        images.save_image(result, Path(out) / f"size-{size}.png")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss * 1024
    return {"size": size, "shape": list(shape), "wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime),
            "peak_gib": round(peak / 2**30, 2),
            "estimate_gib": round(estimate / 2**30, 2), "ratio": round(estimate / peak, 2)}


def demo_files(size: int, folder: Path) -> tuple:
    from brushwork.demo import demo_images
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "demo-content.png", folder / "demo-style.png"
    for im, path in zip(demo_images(size), paths):
        im.save(path)
    return tuple(str(p) for p in paths)


def machine() -> str:
    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load {load[0]:.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="512,1024,2048,4096")
    p.add_argument("--content"), p.add_argument("--style")
    p.add_argument("--settings", default="{}", help="Settings fields as JSON (default: the defaults)")
    p.add_argument("--out", default="", help="folder to save each result in")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        print(json.dumps(one_size(a.child, a.content, a.style, json.loads(a.settings), a.out)))
        return
    sizes = [int(x) for x in a.sizes.split(",")]
    content, style = (a.content, a.style) if a.content else demo_files(max(sizes), Path(a.out or "/tmp") / "bench")
    print(f"# {machine()}", flush=True)
    print(f"{'size':>5} {'shape':>11} {'wall s':>7} {'cpu s':>6} {'peak GiB':>8} {'estimate':>8} {'ratio':>5}  load",
          flush=True)
    for size in sizes:
        cmd = [sys.executable, __file__, "--child", str(size), "--content", content, "--style", style,
               "--settings", a.settings, "--out", a.out]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(f"{size:>5} {'x'.join(map(str, r['shape'][::-1])):>11} {r['wall_s']:>7} {r['cpu_s']:>6} {r['peak_gib']:>8} "
              f"{r['estimate_gib']:>8} {r['ratio']:>5}  {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
