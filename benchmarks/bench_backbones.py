"""Seconds per optimisation step, total wall time and peak memory for each backbone at 256 and
512 px (long side, 4:3 image). Each case runs in its own process so peak memory is its own.

    python benchmarks/bench_backbones.py [--steps 5] [--sizes 256,512] [--backbones a,b]

VGG timings do not depend on the weights' values, so when the ImageNet file is not cached a
random state dict of the real shapes is used and the row says so."""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def vgg_stand_in(arch: str, folder: Path) -> str:
    """A full-size random torchvision-format VGG (features only): same speed as the real one."""
    import torch

    from brushwork.backbones.vgg import feature_keys, layer_plan

    widths = [c for _, kind, c, _ in layer_plan(arch) if kind == "conv"]
    state, in_ch = {}, 3
    for key, width in zip(feature_keys(arch), widths):
        state[key] = torch.randn(width, in_ch, 3, 3) * 0.01
        state[key.replace("weight", "bias")] = torch.zeros(width)
        in_ch = width
    path = folder / f"{arch}-random.pth"
    torch.save(state, path)
    return str(path)


def one_case(backbone: str, size: int, steps: int, weights) -> dict:
    """Run in a child process: time `steps` Adam steps after one warm-up step."""
    from brushwork import Settings, stylize
    from brushwork.demo import demo_images

    content, style = demo_images(size)
    base = Settings(backbone=backbone, weights=weights, size=size, scales=1, preview_every=0)
    stamps = []
    start = time.perf_counter()
    stylize(content, [style], base.replace(iterations=steps + 1),
            progress=lambda p: stamps.append(time.perf_counter()))
    total = time.perf_counter() - start
    per_step = (stamps[-1] - stamps[0]) / steps
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"backbone": backbone, "size": size, "s_per_step": per_step, "wall_s": total, "peak_mib": peak_mib}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--backbones", default="efficientnet-lite0,efficientnet-lite1,vgg16,vgg19")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_case(**json.loads(args.child))))
        return 0
    from brushwork import weights as weights_mod

    print(f"{'backbone':<20}{'size':>6}{'s/step':>9}{'wall s':>9}{'peak MiB':>10}  note")
    with tempfile.TemporaryDirectory() as tmp:
        for backbone in args.backbones.split(","):
            path, note = None, ""
            if backbone.startswith("vgg") and not weights_mod.locate(backbone):
                path, note = vgg_stand_in(backbone, Path(tmp)), "random weights of the real shapes"
            for size in map(int, args.sizes.split(",")):
                case = json.dumps({"backbone": backbone, "size": size, "steps": args.steps, "weights": path})
                out = subprocess.run([sys.executable, __file__, "--child", case], capture_output=True, text=True)
                if out.returncode:
                    print(f"{backbone:<20}{size:>6}  failed: {out.stderr.strip().splitlines()[-1]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{backbone:<20}{size:>6}{r['s_per_step']:>9.3f}{r['wall_s']:>9.1f}{r['peak_mib']:>10.0f}  {note}",
                      flush=True)
    print(f"(wall s: {args.steps} timed steps + 1 warm-up + setup, single scale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
