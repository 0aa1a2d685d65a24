"""Print the README's tables of settings flags, generated from the settings dataclasses: `brushwork
stylize`'s from Settings, `brushwork train`'s from TrainSettings.
    python scripts/readme_flags.py            # print the stylize table
    python scripts/readme_flags.py --train    # print the train table
    python scripts/readme_flags.py --write    # replace both tables between their markers in README.md"""
import sys
from dataclasses import fields
from pathlib import Path

from brushwork.cli import flag
from brushwork.fast.cli import SKIP
from brushwork.fast.settings import TrainSettings
from brushwork.settings import Settings

TABLES = {"flags": (Settings, ()), "train-flags": (TrainSettings, SKIP)}


def table(cls=Settings, skip=()) -> str:
    rows = ["| flag | default | what it does |", "|---|---|---|"]
    for f in fields(cls):
        if f.name in skip:
            continue
        default = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
        choices = f" One of: {', '.join(f.metadata['choices'])}." if f.metadata.get("choices") else ""
        rows.append(f"| `{flag(f.name)}` | `{default}` | {f.metadata['help']}{choices} |")
    return "\n".join(rows)


def main() -> int:
    if "--write" not in sys.argv:
        print(table(*TABLES["train-flags" if "--train" in sys.argv else "flags"]))
        return 0
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text()
    for name, (cls, skip) in TABLES.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, rest = text.split(start)
        _, tail = rest.split(end)
        text = f"{head}{start}\n{table(cls, skip)}\n{end}{tail}"
    readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
