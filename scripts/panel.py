"""Blind side-by-side panels with the sides balanced: what ../shared/eval/ab_sheets.py makes, for
several reviewers at once, with no pair's count left to the reviewers' side habit.

Reviewers of these sheets lean to one side: over stops 17-27 the panels against the reference
picked RIGHT 165 times and LEFT 74, and a pair's count followed where our image sat (the shipwreck:
30 to 3 when ours was on the right, 10 to 17 when it was on the left). With random sides per sheet,
a pair seen by six reviewers can have ours on the left four or five times, and its count is then
mostly the side. So here every reviewer sees half the sheets with A on the left, reviewers come in
couples that see every sheet with the sides swapped, and each reviewer's sheets come in a new order.
Each pair then has A on the left for exactly half the reviewers (with an even number of them).

    python scripts/panel.py make PAIRS_TSV DIR_A DIR_B OUT --reviewers 12 [--seed 0]
        # OUT1/ .. OUT12/ (sheets: case01.png ...) and OUT1.key.json .. (ab_sheets' key format).
        # DIR_B may be "ref": each row's reference image.
    python scripts/panel.py score OUT
        # reads OUTi.key.json and OUTi.answers.txt (lines `caseNN LEFT|RIGHT|TIE ...`) for every i,
        # and prints each pair's A / B / tie count and how the picks split by side.
    python scripts/panel.py score docs/quality/panels/stop28-default-vs-reference.json
        # the same for a panel's record: its keys and answers in one file.

PAIRS_TSV rows: name, reference, content, style (paths relative to the tsv's folder or absolute).
Give each OUTi folder, never a key, to its own fresh reviewer with the brief in
../shared/eval/README.md; tell them the sides are shuffled and that TIE is an answer.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH = 480  # each picture's width on a sheet, as ab_sheets.py draws them


def balanced_sides(cases: int, reviewers: int, seed: int = 0) -> list:
    """[reviewer][case] -> True where A is on the left. Each reviewer has A on the left in half
    the cases (rounded down); reviewers 2k and 2k+1 see every case with the sides swapped."""
    rng = random.Random(seed)
    rows = []
    for first in range(0, reviewers, 2):
        pattern = [True] * (cases // 2) + [False] * (cases - cases // 2)
        rng.shuffle(pattern)
        rows.append(pattern)
        if first + 1 < reviewers:
            rows.append([not left for left in pattern])
    return rows


def read_pairs(tsv: Path) -> list:
    """[(name, reference, content, style)] with paths resolved against the tsv's folder."""
    base = tsv.resolve().parent
    rows = [line.rstrip("\n").split("\t") for line in tsv.read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    bad = [r[0] for r in rows if len(r) != 4]
    if bad:
        raise ValueError(f"{tsv}: rows need 4 tab-separated fields (name, reference, content, style): {bad[0]}")
    return [(name, *(base / p for p in paths)) for name, *paths in rows]


def fit(path: Path, width: int = WIDTH) -> Image.Image:
    im = Image.open(path).convert("RGB")
    return im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)


def sheet(content: Path, style: Path, left: Path, right: Path, width: int = WIDTH) -> Image.Image:
    """Photo and painting on top, the two candidates below as LEFT and RIGHT."""
    top, bottom = [fit(content, width), fit(style, width)], [fit(left, width), fit(right, width)]
    h1, h2 = max(t.height for t in top), max(b.height for b in bottom)
    out = Image.new("RGB", (2 * width + 10, h1 + h2 + 50), "white")
    draw = ImageDraw.Draw(out)
    for row, y, labels in ((top, 15, ("photo", "painting")), (bottom, h1 + 35, ("LEFT", "RIGHT"))):
        for j, (label, im) in enumerate(zip(labels, row)):
            draw.text((5 + j * (width + 10), y - 13), label, fill="black")
            out.paste(im, (j * (width + 10), y))
    return out


def make(pairs: list, dir_a: Path, dir_b, out: str, reviewers: int, seed: int = 0, width: int = WIDTH) -> list:
    """Write OUT1 .. OUTn sheet folders and their keys; return the key paths."""
    def candidate(folder, name, reference):
        return reference if str(folder) == "ref" else Path(folder) / f"{name}.png"
    missing = [str(candidate(d, n, r)) for n, r, _, _ in pairs for d in (dir_a, dir_b) if not candidate(d, n, r).is_file()]
    if missing:
        raise FileNotFoundError(f"no result image {missing[0]} ({len(missing)} missing)")
    rng = random.Random(seed + 1)
    keys = []
    for i, sides in enumerate(balanced_sides(len(pairs), reviewers, seed), 1):
        folder = Path(f"{out}{i}")
        folder.mkdir(parents=True, exist_ok=True)
        order = list(range(len(pairs)))
        rng.shuffle(order)
        key = {}
        for case, p in enumerate(order, 1):
            name, reference, content, style = pairs[p]
            a, b = candidate(dir_a, name, reference), candidate(dir_b, name, reference)
            left, right = (a, b) if sides[p] else (b, a)
            sheet(content, style, left, right, width).save(folder / f"case{case:02d}.png")
            key[f"case{case:02d}"] = {"name": name, "left": "A" if sides[p] else "B"}
        path = Path(f"{out}{i}.key.json")
        path.write_text(json.dumps(key, indent=1))
        keys.append(path)
    return keys


def tally(keyed_answers: list) -> tuple:
    """From [(key dict, answer lines)]: ({pair: Counter(A=, B=, TIE=)}, Counter of (A's side, outcome))."""
    per_pair, by_side = defaultdict(Counter), Counter()
    for key, lines in keyed_answers:
        for line in lines:
            parts = line.split()
            if len(parts) < 2 or parts[0] not in key:
                continue
            pick, entry = parts[1].upper(), key[parts[0]]
            if pick not in ("LEFT", "RIGHT", "TIE"):
                continue
            outcome = "TIE" if pick == "TIE" else ("A" if (pick == "LEFT") == (entry["left"] == "A") else "B")
            per_pair[entry["name"]][outcome] += 1
            by_side[("A left" if entry["left"] == "A" else "A right", outcome)] += 1
    return dict(per_pair), by_side


def answered(out: str) -> list:
    """[(key, answer lines)] of every reviewer of OUT (OUTi.key.json with OUTi.answers.txt), or of a
    record of a whole panel (a .json file: {"reviewers": [{"key": ..., "answers": [...]}, ...]})."""
    if out.endswith(".json") and Path(out).is_file():
        return [(r["key"], r["answers"]) for r in json.loads(Path(out).read_text())["reviewers"]]
    keyed, i = [], 1
    while Path(f"{out}{i}.key.json").is_file():
        answers = Path(f"{out}{i}.answers.txt")
        if answers.is_file():
            keyed.append((json.loads(Path(f"{out}{i}.key.json").read_text()), answers.read_text().splitlines()))
        i += 1
    return keyed


def score(out: str) -> str:
    keyed = answered(out)
    per_pair, by_side = tally(keyed)
    lines = [f"{len(keyed)} reviewers answered", "| pair | A | B | tie |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {c['A']} | {c['B']} | {c['TIE']} |" for name, c in sorted(per_pair.items())]
    for side in ("A left", "A right"):
        lines.append(f"{side}: A {by_side[(side, 'A')]}, B {by_side[(side, 'B')]}, tie {by_side[(side, 'TIE')]}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="balanced sheets for several reviewers")
    m.add_argument("pairs", type=Path)
    m.add_argument("dir_a", type=Path)
    m.add_argument("dir_b", help='a folder of NAME.png, or "ref" for each row\'s reference')
    m.add_argument("out", help="prefix: OUT1/, OUT1.key.json, ...")
    m.add_argument("--reviewers", type=int, default=12)
    m.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("score", help="count the answers in OUTi.answers.txt, or in a panel record (.json)")
    s.add_argument("out")
    a = ap.parse_args(argv)
    try:
        if a.command == "make":
            if a.reviewers < 1:
                raise ValueError("--reviewers must be at least 1")
            keys = make(read_pairs(a.pairs), a.dir_a, a.dir_b, a.out, a.reviewers, a.seed)
            print(f"{len(keys)} sheet folders {a.out}1..{len(keys)}; keys beside them (keep them from the reviewers)")
        else:
            print(score(a.out))
    except (OSError, ValueError) as e:
        print(f"panel.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
