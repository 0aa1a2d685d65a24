"""Results carry their recipe: the record survives every format, `info` prints it and
`stylize --from` re-runs it exactly."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import cli, metadata
from brushwork.images import save_image
from brushwork.settings import Settings
from conftest import gradient_image, tiny_vgg_state


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("brushwork: error: "), err
    return err[0]


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".webp", ".tif"])
def test_the_record_survives_a_round_trip_in_every_format(tmp_path, content_path, style_path, suffix):
    settings = Settings(size=77, seed=12345, style_blend=(1.0,), content_layers=("block5_1",))
    record = metadata.make_record(settings, content_path, [style_path], wall_time=3.25,
                                  names={"content": "фото ☃.png"})
    out = save_image(gradient_image(), tmp_path / f"out{suffix}", metadata=record)
    back = metadata.read(out)
    assert back == json.loads(json.dumps(record))  # exactly, non-ASCII names included
    assert metadata.settings_from_record(back) == settings
    assert back["inputs"]["content"]["name"] == "фото ☃.png"
    assert back["inputs"]["styles"][0]["sha256"] == metadata.describe_input(style_path)["sha256"]
    assert back["wall_time_s"] == 3.25 and back["seed"] == 12345 and back["backbone"] == settings.backbone


def test_plain_saves_still_say_who_wrote_them(tmp_path, capsys):
    out = save_image(gradient_image(), tmp_path / "plain.webp")
    assert metadata.read(out) == {"brushwork": metadata.version()}
    assert metadata.read(gradient_image()) is None
    assert cli.main(["info", str(out)]) == 0
    assert "no settings" in capsys.readouterr().out
    assert cli.main(["stylize", "--from", str(out), str(out), str(out), "-o", str(tmp_path / "o.png")]) == 2
    assert "carries no brushwork settings" in error_line(capsys)


def test_foreign_images_have_no_record(tmp_path, content_path, capsys):
    assert metadata.read(content_path) is None
    assert cli.main(["info", str(content_path)]) == 2
    assert "carries no brushwork settings" in error_line(capsys)
    (tmp_path / "notes.png").write_text("text")
    assert cli.main(["info", str(tmp_path / "notes.png")]) == 2
    assert "not an image" in error_line(capsys)


@pytest.fixture
def weights_file(tmp_path):
    path = tmp_path / "vgg19-tiny.pth"
    torch.save(tiny_vgg_state("vgg19"), path)
    return path


def run(tmp_path, content, style, weights, *extra, name="first.png"):
    out = tmp_path / name
    args = ["stylize", str(content), str(style), "-o", str(out), "-q", *extra]
    if "--from" not in extra:
        args += ["--backbone", "vgg19", "--weights", str(weights), "--size", "40", "--iterations", "6",
                 "--init", "noise", "--seed", "7", "--optimizer", "adam", "--learning-rate", "0.02"]
    assert cli.main(args) == 0
    return out


def test_from_reproduces_a_result_exactly(tmp_path, content_path, style_path, weights_file, capsys):
    first = run(tmp_path, content_path, style_path, weights_file)
    again = run(tmp_path, content_path, style_path, weights_file, "--from", str(first), name="again.webp")
    assert metadata.read(again)["settings"] == metadata.read(first)["settings"]
    lossless = run(tmp_path, content_path, style_path, weights_file, "--from", str(again), name="again.png")
    assert np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(lossless)))
    other = run(tmp_path, content_path, style_path, weights_file, "--from", str(first), "--seed", "8",
                name="other.png")
    assert metadata.read(other)["seed"] == 8  # a flag given still overrides the recorded value
    assert not np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(other)))
    assert "differs" not in capsys.readouterr().err


def test_from_notes_inputs_that_changed(tmp_path, content_path, style_path, weights_file, capsys):
    first = run(tmp_path, content_path, style_path, weights_file)
    run(tmp_path, style_path, style_path, weights_file, "--from", str(first), name="changed.png")
    assert "the content image differs" in capsys.readouterr().err


def test_info_prints_the_recipe(tmp_path, content_path, style_path, weights_file, capsys):
    first = run(tmp_path, content_path, style_path, weights_file)
    capsys.readouterr()
    assert cli.main(["info", str(first)]) == 0
    text = capsys.readouterr().out
    for words in ("brushwork 0.1.0", "backbone vgg19, seed 7", "content.png", "style.jpg",
                  metadata.describe_input(content_path)["sha256"], "* iterations = 6", "--from"):
        assert words in text
    assert cli.main(["info", str(first), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["settings"]["init"] == "noise" and record["wall_time_s"] > 0


def test_snapshots_and_partial_results_carry_the_recipe(tmp_path, content_path, style_path, weights_file):
    run(tmp_path, content_path, style_path, weights_file, "--snapshot-every", "3")
    snap = tmp_path / "first_snapshots" / "first_00003.png"
    assert metadata.read(snap)["iteration"] == 3 and metadata.read(snap)["seed"] == 7


def test_from_refuses_what_it_cannot_use(tmp_path, content_path, style_path, capsys):
    out = str(tmp_path / "o.png")
    assert cli.main(["stylize", "--from", str(content_path), str(content_path), str(style_path), "-o", out]) == 2
    assert "carries no brushwork settings" in error_line(capsys)
    assert cli.main(["stylize", "--from", str(tmp_path / "nope.png"), str(content_path), str(style_path),
                     "-o", out]) == 2
    assert "result not found" in error_line(capsys)
    record = metadata.make_record(Settings(), content_path, [style_path])
    save_image(gradient_image(), tmp_path / "r.png", metadata=record)
    assert cli.main(["stylize", "--from", str(tmp_path / "r.png"), "--preset", "dl4j", str(content_path),
                     str(style_path), "-o", out]) == 2
    assert "not both" in error_line(capsys)
