"""Regression tests for issue 11 (hardening) on the CLI: --threads, --quality, demo's partial image."""
import os

import pytest
import torch
from PIL import Image

from brushwork import Cancelled, engine
from brushwork.cli import build_parser, main
from brushwork.threads import auto_threads, use_threads


@pytest.fixture
def keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("cores, load, expected", [(16, 0.2, 16), (4, 3.2, 1), (2, 5.0, 1), (8, 2.6, 5),
                                                     (2, 0.3, 2), (2, 1.1, 1)])
def test_automatic_threads_leave_the_busy_cores_alone(cores, load, expected):
    assert auto_threads(cores, load) == expected


def test_busy_cores_sees_a_spinning_process():
    import subprocess
    import sys
    from brushwork.threads import busy_cores

    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        import time
        time.sleep(0.3)
        busy = busy_cores(0.5)
    finally:
        spin.kill()
    assert 0.7 <= busy <= os.cpu_count() + 0.01


@pytest.mark.parametrize("command", [["stylize", "a.png", "b.png", "-o", "c.png"], ["demo"], ["serve"]])
def test_stylize_demo_and_serve_take_threads(command):
    args = build_parser().parse_args(command + ["--threads", "3"])
    assert args.threads == 3
    assert build_parser().parse_args(command).threads == 0


def test_threads_are_applied_and_checked(keep_threads, monkeypatch, content_path, style_path, tmp_path, capsys):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    seen = []

    def fake_stylize(content, styles, settings, progress=None, cancel=None):
        seen.append(torch.get_num_threads())
        return Image.new("RGB", (8, 8))
    monkeypatch.setattr(engine, "stylize", fake_stylize)
    assert main(["stylize", str(content_path), str(style_path), "-o", str(tmp_path / "o.png"), "--threads", "1"]) == 0
    assert seen == [1]
    assert use_threads(0) == auto_threads()
    code = main(["stylize", str(content_path), str(style_path), "-o", str(tmp_path / "o.png"), "--threads", "-2"])
    assert code == 2 and "--threads must be 0" in capsys.readouterr().err


def test_threads_zero_respects_omp_num_threads(keep_threads, monkeypatch):
    torch.set_num_threads(1)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert use_threads(0) == 1


@pytest.mark.parametrize("value", ["500", "0", "-5", "abc"])
def test_quality_out_of_range_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as e:
        main(["stylize", "a.png", "b.png", "-o", "c.jpg", "--quality", value])
    assert e.value.code == 2 and "--quality" in capsys.readouterr().err


def test_demo_keeps_a_visible_partial_image_on_ctrl_c(monkeypatch, tmp_path, capsys):
    def cancelled(content, styles, settings, progress=None, cancel=None):
        raise Cancelled(Image.new("RGB", (16, 12), "red"))
    monkeypatch.setattr(engine, "stylize", cancelled)
    out = tmp_path / "brushwork-demo.png"
    assert main(["demo", "-o", str(out), "--size", "32", "-q"]) == 130
    assert sorted(os.listdir(tmp_path)) == ["brushwork-demo.partial.png"]
    assert "brushwork-demo.partial.png" in capsys.readouterr().err


def test_demo_refuses_bad_size_and_iterations_before_drawing(capsys):
    assert main(["demo", "--size", "100000"]) == 2 and "size" in capsys.readouterr().err
    assert main(["demo", "--iterations", "0"]) == 2 and "iterations" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value", [("--max-iterations", "0"), ("--keep-jobs", "-1"), ("--max-disk-mb", "nan"),
                                         ("--port", "70000"), ("--max-upload-mb", "0"), ("--threads", "-1")])
def test_serve_refuses_nonsense_limits_before_starting(flag, value, tmp_path, capsys):
    pytest.importorskip("uvicorn")
    code = main(["serve", "--data-dir", str(tmp_path), flag, value])
    assert code == 2 and capsys.readouterr().err.startswith(f"brushwork: error: {flag}")
