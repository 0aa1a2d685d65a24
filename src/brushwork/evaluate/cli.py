"""`brushwork evaluate` (score results) and `brushwork info` (the recipe a result carries).
`register(subparsers)` adds both; scoring imports nothing heavy until it runs."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import BrushworkError


def register(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="score results: style, content and colour distances (lower is better)",
                              description="Score a result (or a folder of results, or a manifest) against its content "
                                          "photo and style painting(s). Every score is a distance or a defect: lower "
                                          "is better. See docs/evaluate.md.")
    p.add_argument("paths", nargs="*", metavar="RESULT CONTENT STYLE", help="RESULT (an image or a folder of "
                   "images), CONTENT, then one or more STYLE images")
    p.add_argument("--manifest", metavar="FILE", help="a .csv (result,content,style; styles separated by ';') or "
                   ".jsonl file listing results with their own inputs")
    p.add_argument("--size", type=int, default=None, help="long side at which images are scored (default: 384)")
    p.add_argument("--json", action="store_true", help="print JSON (a list of rows) instead of a table")
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser("info", help="show the settings, inputs and timing a brushwork result carries")
    p.add_argument("result", help="an image written by brushwork")
    p.add_argument("--json", action="store_true", help="print the embedded record as JSON")
    p.set_defaults(func=cmd_info)


def cmd_evaluate(args) -> int:
    from . import batch

    rows = _rows(args)
    batch.check_files(rows)
    from .score import EVAL_SIZE, score
    size = args.size or EVAL_SIZE
    if not 32 <= size <= 2048:
        raise BrushworkError(f"--size must be between 32 and 2048, not {size}")
    scored = [{"result": str(r), "content": str(c), "styles": [str(s) for s in ss], "size": size,
               "scores": score(r, c, ss, size)} for r, c, ss in rows]
    print(json.dumps(scored, indent=2) if args.json else format_scores(scored))
    return 0


def _rows(args) -> list:
    from . import batch

    if args.manifest:
        if args.paths:
            raise BrushworkError("give either --manifest or RESULT CONTENT STYLE, not both")
        return batch.rows_from_manifest(args.manifest)
    if len(args.paths) < 3:
        raise BrushworkError("evaluate needs RESULT CONTENT STYLE [STYLE...] or --manifest FILE")
    if not Path(args.paths[0]).exists():
        raise BrushworkError(f"result not found: {args.paths[0]}")
    return batch.rows_from_paths(args.paths[0], args.paths[1], args.paths[2:])


def format_scores(scored: list) -> str:
    """One result: a list with what each score means. Several: a table, one row each."""
    from .score import SCORES

    if len(scored) == 1:
        row = scored[0]
        lines = [f"{row['result']}  (scored at {row['size']} px; lower is better for every figure)"]
        lines += [f"  {name:<15}{row['scores'][name]:>9.4g}   {what}" for name, what in SCORES.items()]
        return "\n".join(lines)
    names = [Path(r["result"]).name for r in scored]
    width = max(len("result"), *map(len, names))
    head = f"{'result':<{width}}" + "".join(f"{n:>15}" for n in SCORES)
    body = [f"{name:<{width}}" + "".join(f"{r['scores'][n]:>15.4g}" for n in SCORES) for name, r in zip(names, scored)]
    return "\n".join([head, *body, f"(scored at {scored[0]['size']} px; lower is better in every column)"])


def cmd_info(args) -> int:
    from ..metadata import read_record

    record = read_record(args.result, need_settings=False)
    print(json.dumps(record, indent=2) if args.json else format_info(args.result, record))
    return 0


def format_info(path, record: dict) -> str:
    from ..settings import Settings

    lines = [f"{path}: written by brushwork {record.get('brushwork')}"]
    if "settings" not in record:
        return lines[0] + " (no settings: not a stylize result)"
    wall = record.get("wall_time_s")
    lines.append(f"  made {record.get('created', '?')}" + (f" in {wall:.1f} s" if wall is not None else "") +
                 (" (partial: cancelled)" if record.get("partial") else "") +
                 (f" (snapshot at iteration {record['iteration']})" if "iteration" in record else ""))
    lines.append(f"  backbone {record.get('backbone')}, seed {record.get('seed')}")
    inputs = record.get("inputs") or {}
    named = [("content", inputs.get("content"))] + [(f"style {i + 1}", s) for i, s in enumerate(inputs.get("styles", []))]
    named += [("init", inputs["init"])] if inputs.get("init") else []
    lines += [f"  {what:<8} {(i or {}).get('name') or '(in memory)'}  sha256 {(i or {}).get('sha256')}" for what, i in named]
    defaults = Settings().to_dict()
    lines.append("  settings (* differs from the default):")
    for name, value in record["settings"].items():
        mark = "*" if defaults.get(name) != value else " "
        lines.append(f"   {mark} {name} = {','.join(map(str, value)) if isinstance(value, list) else value}")
    lines.append(f"  re-run: brushwork stylize --from {path} CONTENT STYLE -o OUTPUT")
    return "\n".join(lines)
