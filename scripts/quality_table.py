#!/usr/bin/env python
"""Reproduce the quality table of docs/quality.md: run candidate recipes on the evaluation pairs,
score each output with the shared judge and print a markdown table of the judge means and the
median wall time per image.

    python scripts/quality_table.py                        # every candidate, every pair
    python scripts/quality_table.py -c default,naive       # some candidates
    python scripts/quality_table.py -c default --set tv_weight=5 --set iterations=500
    python scripts/quality_table.py -c default --content ../shared/images/content/hoovertowernight.jpg
    python scripts/quality_table.py -c reference           # the reference outputs' own scores

The evaluation images and the judge live outside the repository (../shared relative to the repo
root); without them the script says so and exits 0. Outputs go to --out (default
/tmp/quality/<candidate>/<pair>.png), never into the repository.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
AXES = ("style", "content", "color", "rstyle", "speckle", "coherence")

# name -> (what it is, Settings overrides). "default" is Settings() as shipped; the others are the
# steps measured on the way to it (docs/quality.md explains each). Each pins its backbone, so the
# rows stay what was measured when the default changes.
# Fields that issue 9 (paintings, not noise) added or changed; every row measured before it pins
# the values it ran with, so the older rows stay what they were.
BEFORE_PAINT = dict(octaves=1, fine_gain=1.0, chroma_factor=1.0, colour_weight=0.0, stroke_weight=0.0,
                    style_scale=1.0, content_weight=1.0, style_weight=4.0, init="matched", patch_weight=20.0,
                    iterations=300, scales=0, level_ratio=2.0, start_colour=1.0, region_tone=0.0)
OLD_TAPS = dict(content_layers=("block5_1",), style_layers=("stem", "block2_2", "block3_2", "block4_3", "block6_1"))
UNTUNED = BEFORE_PAINT | dict(
    backbone="efficientnet-lite0", style_weight=1000.0, content_weight=1.0, tv_weight=1.0, patch_weight=0.0,
    chroma_tv_weight=0.0, style_loss="gram+moments", optimizer="adam", learning_rate=0.02,
    iterations=300, init="content", style_smoothing="none", scales=0, **OLD_TAPS)
LITE0 = BEFORE_PAINT | dict(
    backbone="efficientnet-lite0", style_weight=6.0, patch_weight=0.0, chroma_tv_weight=0.0,
    content_layers=("block5_1",),
    style_layers=("block1_1", "block2_2", "block3_2", "block4_3", "block6_1"))
LITE1 = BEFORE_PAINT | dict(
    backbone="efficientnet-lite1", patch_weight=0.0, chroma_tv_weight=0.0, content_layers=("block5_1",),
    style_layers=("block1_1", "block2_3", "block3_3", "block4_4", "block6_1"))
LITE1_B4 = {**LITE1, "style_weight": 4.0}  # the default before the patch term
# The default of stops 18 to 22: 210 steps halved over the levels (140 + 70), content 0.6, the
# colour-matched start with all its colour.
STOP22 = dict(iterations=210, level_ratio=2.0, content_weight=0.6, start_colour=1.0, detail_follow=0.0, region_tone=0.0)
# The default of stop 23: the finest octave's gain the same everywhere.
STOP23 = dict(detail_follow=0.0, region_tone=0.0)
# The default of stops 24 to 26 and again from the end of stop 27: the faded start as it is, no region tones.
STOP26 = dict(region_tone=0.0)

CANDIDATES = {
    "naive": ("content init, Adam 0.02, 300 iterations at full size, Gram only",
              {**UNTUNED, "scales": 1, "style_loss": "gram", "tv_weight": 0.0}),
    "untuned": ("the defaults before tuning: Adam 0.02, beta 1000, stem tap, 3 scales", UNTUNED),
    "adam-slow": ("untuned with Adam 0.005, beta 2, TV 10, colour-matched init",
                  {**UNTUNED, "learning_rate": 0.005, "style_weight": 2.0, "tv_weight": 10.0, "init": "matched"}),
    "lbfgs-stem": ("L-BFGS, beta 6, TV 10, colour-matched init, old taps (stem first)",
                   {**UNTUNED, "optimizer": "lbfgs", "learning_rate": 1.0, "style_weight": 6.0,
                    "tv_weight": 10.0, "init": "matched"}),
    "lite0": ("the first tuned recipe: Lite0, L-BFGS, beta 6, TV 2, matched init, block1_1..block6_1", LITE0),
    "softmax": ("lite0 + softmax smoothing over channels (Wang et al. 2021)", {**LITE0, "style_smoothing": "softmax"}),
    "wasserstein": ("lite0 with the Gaussian W2 (mean+covariance) style loss", {**LITE0, "style_loss": "wasserstein"}),
    "chroma-tv": ("lite0 + chroma TV 30", {**LITE0, "chroma_tv_weight": 30.0}),
    "lite1": ("lite0's recipe on EfficientNet-Lite1 (equivalent taps), beta 6", {**LITE1, "style_weight": 6.0}),
    "lite1-b5": ("lite1 with beta 5", {**LITE1, "style_weight": 5.0}),
    "lite1-b4": ("lite1 with beta 4 (the default before the patch term)", LITE1_B4),
    **{f"patch{w}": (f"lite1-b4 + the pixel-patch term at weight {w}", {**LITE1_B4, "patch_weight": float(w)})
       for w in (10, 20, 30)},
    "patch10-ctv10": ("patch10 + chroma TV 10", {**LITE1_B4, "patch_weight": 10.0, "chroma_tv_weight": 10.0}),
    "before-paint": ("the default before issue 9: Lite1, L-BFGS, beta 4, TV 2, chroma TV 10, matched init, "
                     "patch term 20, plain pixels", {**BEFORE_PAINT, "content_layers": ("block5_1",)}),
    "tonal": ("the default with the tonal start (the photo's light and shade in the painting's colours), "
              "style scale 1.6, patch term 10", {"init": "tonal", "style_scale": 1.6, "patch_weight": 10.0, **STOP22}),
    "tonal-1.75": ("tonal with style scale 1.75", {"init": "tonal", "style_scale": 1.75, "patch_weight": 10.0,
                                                    **STOP22}),
    "stop22": ("the default of stops 18 to 22: 210 steps halved over the two levels (140 + 70), content 0.6, "
               "the matched start with all its colour", STOP22),
    "steps-140+100": ("stop22 with 240 steps split 140 + 100 (level_ratio 1.4)",
                      {**STOP22, "iterations": 240, "level_ratio": 1.4}),
    "stop23": ("the default of stop 23: the faded start and 140 + 100 steps, the same fine gain everywhere",
               STOP23),
    "match20": ("the default with the match term (nearest-neighbour features, STROTSS) at weight 20 on the "
                "first level", {"match_weight": 20.0, **STOP26}),
    "repaint50": ("the default with half of the first level's start a nearest-neighbour repaint from the "
                  "painting's patches and twice the content weight at 512 px (tenth round)",
                  {"repaint": 0.5, "fine_content": 2.0, **STOP26}),
    "repaint30": ("repaint50 with 30% of the repaint", {"repaint": 0.3, "fine_content": 2.0, **STOP26}),
    "fine-content2": ("the default with twice the content weight at 512 px only", {"fine_content": 2.0, **STOP26}),
    "regions": ("each region of the photo's start moved to the repaint's mean light, dark and hue over it "
                "(tenth round)",
                {"region_tone": 1.0, "region_hue": 1.0}),
    "regions-tone": ("each region of the photo's start moved to the repaint's mean light and dark over it "
                     "(tenth round)", {"region_tone": 1.0}),
    "stop26": ("the default of stops 24 to 26 (and again since): no region tones", STOP26),
    "regions-tone05": ("half of each region's light and dark from the repaint: the default for part of stop 27, "
                       "taken back", {"region_tone": 0.5}),
    "default": ("Settings() as shipped (docs/quality.md, 'Paintings, not noise')", {}),
}


def load_judge():
    path = SHARED / "eval" / "judge.py"
    spec = importlib.util.spec_from_file_location("brushwork_judge", path)
    judge = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(judge)
    return judge


def read_pairs(path: Path) -> list:
    """[(name, reference, content, style)] with paths resolved against the tsv's folder."""
    rows = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, ref, content, style = line.split("\t")[:4]
            rows.append((name, path.parent / ref, path.parent / content, path.parent / style))
    return rows


def parse_sets(items) -> dict:
    """--set key=value pairs, coerced to the Settings field's type."""
    from brushwork.settings import coerce, settings_fields
    known = {f.name: f for f in settings_fields()}
    out = {}
    for item in items or ():
        key, _, value = item.partition("=")
        if key not in known:
            sys.exit(f"unknown setting '{key}'")
        out[key] = coerce(known[key], value)
    return out


def run_pair(settings, content, style, out_path: Path, repeats: int) -> list:
    """Stylise `repeats` times (same seed, so the same image); save it; return the wall times."""
    import brushwork
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        image = brushwork.stylize(str(content), str(style), settings)
        times.append(time.perf_counter() - start)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    image.save(out_path)
    return times


def run_candidate(name, overrides, pairs, args, judge) -> dict:
    from brushwork import Settings
    settings = Settings(**{"size": args.size, **overrides}).validate()
    scores, times = [], []
    for pair, ref, content, style in pairs:
        content = Path(args.content) if args.content else content
        tag = pair if not args.content else f"{content.stem}_{Path(style).stem}"
        if name == "reference":
            out, t = ref, []
        else:
            out = Path(args.out) / name / f"{tag}.png"
            t = run_pair(settings, content, style, out, args.repeats)
        score = judge.score(str(out), str(content), str(style), args.size)
        scores.append(score)
        times += t
        print(f"  {name:>14} {tag:<24} " + " ".join(f"{k}={score[k]:.4f}" for k in AXES) +
              (f" time={statistics.median(t):.1f}s" if t else ""), file=sys.stderr, flush=True)
    means = {k: statistics.fmean(s[k] for s in scores) for k in AXES}
    return {**means, "time": statistics.median(times) if times else None}


def table(rows: dict) -> str:
    lines = ["| candidate | style | content | color | rstyle | speckle | coherence | median s/image |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        t = "-" if r["time"] is None else f"{r['time']:.1f}"
        lines.append(f"| {name} | {r['style']:.3f} | {r['content']:.3f} | {r['color']:.4f} | "
                     f"{r['rstyle']:.4f} | {r['speckle']:.3f} | {r['coherence']:.3f} | {t} |")
    return "\n".join(lines)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default=str(SHARED / "images" / "pairs.tsv"),
                    help="tsv: name, reference, content, style")
    ap.add_argument("-c", "--candidates", default="all",
                    help=f"comma-separated, or 'all' ({', '.join(['reference', *CANDIDATES])})")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a setting in every selected candidate (repeatable)")
    ap.add_argument("--name", help="row name when --set is used (default: candidate+overrides)")
    ap.add_argument("--only", help="comma-separated pair names to run (default: all)")
    ap.add_argument("--content", help="use this content image for every pair instead of the tsv's")
    ap.add_argument("--size", type=int, default=512, help="long side of output and judge (default 512)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per image for the median time (default 1)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    ap.add_argument("--out", default="/tmp/quality", help="folder for the output images")
    ap.add_argument("--list", action="store_true", help="list the candidates and exit")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for name, (what, overrides) in CANDIDATES.items():
            print(f"{name}: {what}\n    {overrides}")
        return 0
    pairs_path = Path(args.pairs)
    if not pairs_path.is_file() or not (SHARED / "eval" / "judge.py").is_file():
        print(f"quality_table: evaluation images or judge not found ({pairs_path}, {SHARED / 'eval'}); "
              f"nothing to measure.")
        return 0
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    pairs = read_pairs(pairs_path)
    if args.only:
        wanted = set(args.only.split(","))
        pairs = [p for p in pairs if p[0] in wanted]
    names = ["reference", *CANDIDATES] if args.candidates == "all" else args.candidates.split(",")
    unknown = [n for n in names if n != "reference" and n not in CANDIDATES]
    if unknown:
        sys.exit(f"unknown candidate '{unknown[0]}' (see --list)")
    extra = parse_sets(args.set)
    judge = load_judge()
    rows = {}
    for name in names:
        if name == "reference":
            rows[name] = run_candidate(name, {}, pairs, args, judge)
            continue
        label = args.name or name + "".join(f" {k}={v}" for k, v in extra.items())
        folder = _dir_name(label) if extra else name
        rows[label] = run_candidate(folder, {**CANDIDATES[name][1], **extra}, pairs, args, judge)
    print(table(rows))
    return 0


def _dir_name(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_.=" else "_" for ch in label)[:120]


if __name__ == "__main__":
    sys.exit(main())
