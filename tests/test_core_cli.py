import subprocess
import sys

import pytest
import torch
from PIL import Image

from brushwork import cli
from brushwork.presets import PRESETS
from conftest import tiny_vgg_state

QUICK = ["--size", "40", "--iterations", "4", "-q"]


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("brushwork: error: ")
    return err[0]


def test_stylize_writes_the_image(tmp_path, content_path, style_path):
    out = tmp_path / "out.jpg"
    assert cli.main(["stylize", str(content_path), str(style_path), "-o", str(out), *QUICK]) == 0
    assert Image.open(out).size == (40, 30)


def test_snapshots_are_saved_when_asked(tmp_path, content_path, style_path):
    out = tmp_path / "out.png"
    args = ["stylize", str(content_path), str(style_path), "-o", str(out), *QUICK, "--snapshot-every", "2"]
    assert cli.main(args) == 0
    assert sorted(p.name for p in (tmp_path / "out_snapshots").iterdir()) == ["out_00002.png", "out_00004.png"]


def test_flags_override_the_preset():
    args = cli.build_parser().parse_args(["stylize", "c", "s", "-o", "o.png", "--preset", "dl4j",
                                         "--iterations", "9", "--style-layers", "relu1_1,relu2_1",
                                         "--style-layer-weights", "1,2"])
    s = cli.settings_from_args(args)
    assert s.backbone == "vgg16" and s.iterations == 9 and s.content_weight == 0.025
    assert s.style_layers == ("relu1_1", "relu2_1") and s.style_layer_weights == (1.0, 2.0)


@pytest.mark.parametrize("preset", sorted(set(PRESETS) - {"brushwork"}))
def test_vgg_presets_run_from_the_cli_with_given_weights(preset, tmp_path, content_path, style_path):
    arch = "vgg16" if preset == "dl4j" else "vgg19"
    weights = tmp_path / f"{arch}.pth"
    torch.save(tiny_vgg_state(arch), weights)
    out = tmp_path / "out.png"
    args = ["stylize", str(content_path), str(style_path), "-o", str(out), "--preset", preset,
            "--weights", str(weights), "--snapshot-every", "0", *QUICK]
    assert cli.main(args) == 0 and out.exists()


@pytest.mark.parametrize("make_args, words", [
    (lambda t, c, s: [str(t / "nope.jpg"), s], "content image not found"),
    (lambda t, c, s: [c, str(t / "notes.png")], "is not an image"),
    (lambda t, c, s: [c, str(t / "cut.png")], "damaged or truncated"),
    (lambda t, c, s: [c, s, "--backbone", "vgg91"], "did you mean vgg19"),
    (lambda t, c, s: [c, s, "--style-layers", "block22"], "unknown layer 'block22'"),
    (lambda t, c, s: [c, s, "--match-layers", "block99"], "unknown layer 'block99'"),
    (lambda t, c, s: [c, s, "--style-weight", "-3"], "style_weight must be a non-negative"),
    (lambda t, c, s: [c, s, "--iterations", "0"], "iterations must be at least 1"),
    (lambda t, c, s: [c, s, "--size", "100000"], "too large"),
    (lambda t, c, s: [c, s, "--iterations", "many"], "whole number"),
    (lambda t, c, s: [c, s, "--backbone", "vgg19", "--weights", str(t / "notes.png")], "not a PyTorch weights"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, content_path, style_path, capsys, make_args, words):
    (tmp_path / "notes.png").write_text("just text")
    (tmp_path / "cut.png").write_bytes(content_path.read_bytes()[:200])
    argv = ["stylize", *make_args(tmp_path, str(content_path), str(style_path)), "-o", str(tmp_path / "o.png"), "-q"]
    assert cli.main(argv) == 2
    assert words in error_line(capsys)
    assert not (tmp_path / "o.png").exists()


def test_bad_output_is_refused_before_any_work(tmp_path, content_path, style_path, capsys):
    assert cli.main(["stylize", str(content_path), str(style_path), "-o", str(tmp_path / "o.gif"), "-q"]) == 2
    assert "cannot write '.gif'" in error_line(capsys)


def test_backbones_presets_and_weights_listings(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BRUSHWORK_CACHE", str(tmp_path))
    assert cli.main(["backbones"]) == 0
    text = capsys.readouterr().out
    for name in ("efficientnet-lite0", "vgg16", "vgg19", "relu4_2", "block4_3", "brushwork weights fetch vgg19"):
        assert name in text
    assert cli.main(["presets"]) == 0 and "signalpop" in capsys.readouterr().out
    assert cli.main(["weights", "list"]) == 0 and str(tmp_path) in capsys.readouterr().out


@pytest.mark.slow
def test_demo_needs_no_files(tmp_path):
    out = tmp_path / "demo.png"
    assert cli.main(["demo", "-o", str(out), "--size", "48", "--iterations", "3", "-q"]) == 0
    im = Image.open(out)
    assert im.height == 36 and im.width > 3 * 36  # content | style | result
    assert [p.name for p in tmp_path.iterdir()] == ["demo.png"]


def test_console_script_prints_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "brushwork.cli", "stylize", str(tmp_path / "a.jpg"),
                             str(tmp_path / "b.jpg"), "-o", str(tmp_path / "o.png")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"brushwork: error: content image not found: {tmp_path / 'a.jpg'}"


@pytest.mark.slow
def test_ctrl_c_keeps_the_image_so_far(tmp_path, content_path, style_path):
    import signal
    import time

    out = tmp_path / "out.png"
    proc = subprocess.Popen([sys.executable, "-m", "brushwork.cli", "stylize", str(content_path), str(style_path),
                             "-o", str(out), "--size", "64", "--iterations", "100000", "--snapshot-every", "1",
                             "--snapshot-dir", str(tmp_path / "snaps")], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "snaps").exists() and time.time() < deadline:
        time.sleep(0.2)  # wait until the optimisation is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "the image so far is in" in err
    assert (tmp_path / "out.partial.png").exists() and not out.exists()
