"""Print the README's table of `brushwork stylize` settings flags, generated from Settings.
    python scripts/readme_flags.py            # print it
    python scripts/readme_flags.py --write    # replace the table between the markers in README.md"""
import sys
from dataclasses import fields
from pathlib import Path

from brushwork.cli import flag
from brushwork.settings import Settings

START, END = "<!-- flags:start -->", "<!-- flags:end -->"


def table() -> str:
    rows = ["| flag | default | what it does |", "|---|---|---|"]
    for f in fields(Settings):
        default = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
        choices = f" One of: {', '.join(f.metadata['choices'])}." if f.metadata.get("choices") else ""
        rows.append(f"| `{flag(f.name)}` | `{default}` | {f.metadata['help']}{choices} |")
    return "\n".join(rows)


def main() -> int:
    if "--write" not in sys.argv:
        print(table())
        return 0
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text()
    head, rest = text.split(START)
    _, tail = rest.split(END)
    readme.write_text(f"{head}{START}\n{table()}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
