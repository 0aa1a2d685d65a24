"""`brushwork inspect ...` end to end on a tiny random VGG: files written, errors on one line."""
import json

import pytest
import torch
from PIL import Image

from brushwork.cli import main
from conftest import gradient_image, stripes_image, tiny_vgg_state


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "vgg16-tiny.pth"
    torch.save(tiny_vgg_state("vgg16"), path)
    return ["--backbone", "vgg16", "--weights", str(path), "--device", "cpu", "--size", "48", "-q"]


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "pics"
    d.mkdir()
    gradient_image().save(d / "a.png")
    stripes_image().save(d / "b.jpg")
    return d


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("brushwork: error: ") and "Traceback" not in err
    for n in needles:
        assert n in err
    return err


def test_units_writes_a_grid_and_json(tmp_path, tiny, folder):
    out = tmp_path / "units.png"
    assert main(["inspect", "units", str(folder), "--layer", "relu2_1", "--units", "3", "--patches", "4",
                 "-o", str(out), *tiny]) == 0
    data = json.loads(out.with_suffix(".json").read_text())
    assert [len(u["patches"]) for u in data["units"]] == [4, 4, 4]
    assert {p["image"] for u in data["units"] for p in u["patches"]} <= {str(folder / "a.png"), str(folder / "b.jpg")}
    with Image.open(out) as im:
        right = max(p["cell"][0] + p["cell"][2] for u in data["units"] for p in u["patches"])
        assert im.width >= right


def test_maps_and_reconstruct_write_their_grids(tmp_path, tiny, folder):
    out = tmp_path / "maps.png"
    assert main(["inspect", "maps", str(folder / "a.png"), "--layer", "pool1", "--channels", "4",
                 "-o", str(out), *tiny]) == 0
    assert len(json.loads(out.with_suffix(".json").read_text())["channels"]) == 4
    out = tmp_path / "rec.png"
    assert main(["inspect", "reconstruct", str(folder / "a.png"), "--layers", "relu1_1,relu2_1", "--steps", "2",
                 "-o", str(out), *tiny]) == 0
    data = json.loads(out.with_suffix(".json").read_text())
    assert [(c["kind"], c["layer"]) for c in data["cells"]] == [("content", "relu1_1"), ("style", "relu1_1"),
                                                                ("content", "relu2_1"), ("style", "relu2_1")]


def test_map_takes_stylize_flags(capsys, tmp_path):
    out = tmp_path / "map.svg"
    assert main(["inspect", "map", "--preset", "signalpop", "--style-layers", "conv1_1,conv3_1",
                 "--style-layer-weights", "1,1", "--style-weight", "10", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("vgg19: 37 layers") and text.count("Gram x5") == 2
    assert out.read_text().startswith("<svg")


@pytest.mark.parametrize("argv,needles", [
    (["inspect", "maps", "{img}", "--layer", "relu9_9"], ["unknown layer 'relu9_9' for vgg16", "valid layers: conv1_1"]),
    (["inspect", "units", "{img}", "--layer", "relu1_1", "--unit", "1,x"], ["--unit must be whole numbers"]),
    (["inspect", "units", "{missing}", "--layer", "relu1_1"], ["image not found"]),
    (["inspect", "reconstruct", "{img}", "--layers", "conv1_1,nope"], ["unknown layer 'nope'"]),
    (["inspect", "maps", "{img}", "--layer", "relu1_1", "-o", "{tmp}/x.txt"], ["cannot write '.txt' files"]),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, tiny, folder, argv, needles):
    fill = {"img": str(folder / "a.png"), "missing": str(tmp_path / "nope.png"), "tmp": str(tmp_path)}
    argv = [a.format(**fill) for a in argv]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "out.png")]
    assert main(argv + tiny) == 2
    one_line_error(capsys, *needles)


def test_map_errors(capsys, tmp_path):
    assert main(["inspect", "map", "--backbone", "efficientnet-lite0", "--content-layers", "block9_9"]) == 2
    one_line_error(capsys, "valid layers: stem, block1_1")
    assert main(["inspect", "map", "-o", str(tmp_path / "map.png")]) == 2
    one_line_error(capsys, "use .svg or .json")
