"""The README's flag table is generated from Settings; this keeps it true."""
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from brushwork.cli import build_parser, flag
from brushwork.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_readme_flag_table_is_current():
    expected = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_flags.py")],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert expected in (ROOT / "README.md").read_text(), "run: python scripts/readme_flags.py --write"


def test_every_setting_is_a_stylize_flag():
    help_text = build_parser()._subparsers._group_actions[0].choices["stylize"].format_help()
    for f in fields(Settings):
        assert flag(f.name) in help_text
