"""The README's flag table is generated from Settings; this keeps it true."""
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from brushwork.cli import build_parser, flag
from brushwork.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_readme_flag_tables_are_current():
    readme = (ROOT / "README.md").read_text()
    for which in ((), ("--train",)):  # stylize's table from Settings, train's from TrainSettings
        expected = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_flags.py"), *which],
                                  capture_output=True, text=True, check=True).stdout.strip()
        assert expected.count("\n") > 20 and expected in readme, "run: python scripts/readme_flags.py --write"
    from brushwork.fast.settings import TrainSettings
    for default in (Settings().patch_weight, TrainSettings().patch_weight):  # each table has its own default
        assert f"| `--patch-weight` | `{default}` |" in readme


def test_every_setting_is_a_stylize_flag():
    stylize = build_parser()._subparsers._group_actions[0].choices["stylize"]
    options = {o: a.dest for a in stylize._actions for o in a.option_strings}  # whole flags: --init is not --init-image
    for f in fields(Settings):
        assert options.get(flag(f.name)) == f.name, f"stylize has no {flag(f.name)} flag for {f.name}"
    assert "--init" in options and "--init-image" in options and options["--init"] != options["--init-image"]
