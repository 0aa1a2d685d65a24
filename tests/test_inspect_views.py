"""The inspect views on a tiny random VGG: unit patches are the strongest activations, grids
hold the cells they claim, reconstructions stream cell by cell, the model map covers every
registered backbone with the loss nodes the settings attach."""
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork.backbones import BACKBONES, create_backbone
from brushwork.errors import BrushworkError, Cancelled
from brushwork.inspect import reconstruction as rec_mod
from brushwork.inspect.features import layer_features
from brushwork.inspect.geometry import receptive_fields
from brushwork.inspect.maps import colourise, feature_maps
from brushwork.inspect.netmap import model_map, to_text
from brushwork.inspect.svgmap import to_svg
from brushwork.inspect.units import crop, scaled, suppression_radius, unit_patches
from brushwork.settings import Settings
from conftest import gradient_image, stripes_image, tiny_vgg_state


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "vgg16-tiny.pth"
    torch.save(tiny_vgg_state("vgg16"), path)
    model = create_backbone("vgg16", str(path))
    model.name = "vgg16"
    return model


@pytest.fixture
def pictures():
    return [("gradient", gradient_image(64, 48)), ("stripes", stripes_image(40, 40))]


def region(grid: Image.Image, cell) -> np.ndarray:
    x, y, w, h = cell
    return np.asarray(grid.crop((x, y, x + w, y + h)), dtype=int)


def test_unit_patches_are_the_strongest_activations(net, pictures):
    report = unit_patches(net, "relu2_1", pictures, units=4, per_unit=5, size=64)
    maps = [layer_features(net, "relu2_1", im, 64)[0] for _, im in pictures]
    peaks = torch.stack([m.flatten(1).amax(1) for m in maps]).mean(0)
    chosen = [u.unit for u in report.units]
    assert len(chosen) == 4 and min(peaks[chosen]) >= max(np.delete(peaks.numpy(), chosen))
    radius = suppression_radius(receptive_fields(net)["relu2_1"], *maps[0].shape[1:])
    names = [n for n, _ in pictures]
    for u in report.units:
        got = [(names.index(p.image), *p.position) for p in u.patches]
        values = [p.activation for p in u.patches]
        assert values == sorted(values, reverse=True) and len(values) == 5
        assert values[0] == pytest.approx(max(float(m[u.unit].max()) for m in maps))
        for (i, y, x), v in zip(got, values):
            assert float(maps[i][u.unit, y, x]) == pytest.approx(v)
        for i, m in enumerate(maps):  # anything stronger than the weakest pick is near a pick
            for y, x in (m[u.unit] > values[-1]).nonzero().tolist():
                assert any(j == i and max(abs(py - y), abs(px - x)) <= radius for j, py, px in got)


def test_unit_grid_has_the_cells_it_claims(net, pictures):
    report = unit_patches(net, "pool2", pictures, units=3, per_unit=4, size=64, cell=32)
    f, images = receptive_fields(net)["pool2"], dict(pictures)
    assert report.grid.size[0] > 4 * 32 and report.grid.size[1] > 3 * 32
    for u in report.units:
        assert len(u.patches) == 4
        for p in u.patches:
            im = images[p.image]
            small_w = round(im.width * 64 / max(im.size))
            box = scaled(f.box(*p.position, 0, 0, clip=False), im.width / small_w)
            assert p.box == (max(0, box[0]), max(0, box[1]), min(im.width, box[2]), min(im.height, box[3]))
            expected = np.asarray(crop(im, box).resize((32, 32), Image.Resampling.LANCZOS), dtype=int)
            assert np.abs(region(report.grid, p.cell) - expected).max() <= 1
    cells = [tuple(p.cell) for u in report.units for p in u.patches]
    assert len(set(cells)) == 12


def test_named_units_and_bad_units(net, pictures):
    report = unit_patches(net, "relu1_1", pictures, chosen=[5, 2], per_unit=2, size=48)
    assert [u.unit for u in report.units] == [5, 2]
    with pytest.raises(BrushworkError, match="unit 99 does not exist: this layer has units 0 to 7"):
        unit_patches(net, "relu1_1", pictures, chosen=[99], size=48)
    with pytest.raises(BrushworkError, match="valid layers: conv1_1"):
        unit_patches(net, "relu7_1", pictures, size=48)


def test_feature_maps_show_the_most_active_channels(net):
    im = gradient_image(64, 48)
    report = feature_maps(net, "relu2_2", im, n=5, size=64, cell=40)
    feats = layer_features(net, "relu2_2", im, 64)[0]
    means = feats.flatten(1).mean(1)
    chosen = [c["channel"] for c in report.channels]
    assert len(chosen) == 5 and min(means[chosen]) >= max(np.delete(means.numpy(), chosen))
    assert [c["mean"] for c in report.channels] == sorted((c["mean"] for c in report.channels), reverse=True)
    for c in report.channels:
        x, y, w, h = c["cell"]
        expected = np.asarray(colourise(feats[c["channel"]]).resize((w, h), Image.Resampling.NEAREST), dtype=int)
        assert np.array_equal(region(report.grid, c["cell"]), expected)


def test_colourise_runs_dark_to_bright():
    a = np.asarray(colourise(torch.tensor([[0.0, 1.0], [2.0, 4.0]])), dtype=int).sum(2)
    assert a[0, 0] < a[0, 1] < a[1, 0] < a[1, 1]


def test_reconstruction_cells_stream_in_order(net, monkeypatch):
    calls, seen, steps = [], [], []
    real = rec_mod.optimise_cell
    monkeypatch.setattr(rec_mod, "optimise_cell", lambda n, src, layers, kind, *a: calls.append((kind, layers))
                        or real(n, src, layers, kind, *a))

    def on_cell(cell, rec):
        grid = rec.grid()
        seen.append((cell.kind, cell.layer, len(rec.cells)))
        assert np.abs(region(grid, rec.layout.box(cell.row, cell.col)) - np.asarray(cell.image, dtype=int)).max() <= 1
        if len(rec.cells) == 1:  # the next cell is still a placeholder
            assert np.all(region(grid, rec.layout.box(1, 1)) == (236, 238, 244))
    rec = rec_mod.reconstruct(net, gradient_image(40, 30), ["relu2_1", "relu1_1"], size=32, steps=3,
                              on_step=lambda d, t: steps.append((d, t)), on_cell=on_cell)
    assert rec.layers == ("relu1_1", "relu2_1")
    assert seen == [("content", "relu1_1", 1), ("style", "relu1_1", 2), ("content", "relu2_1", 3),
                    ("style", "relu2_1", 4)]
    assert calls == [("content", ("relu1_1",)), ("style", ("relu1_1",)), ("content", ("relu2_1",)),
                     ("style", ("relu1_1", "relu2_1"))]
    assert steps == [(i, 12) for i in range(1, 13)]
    assert rec.grid().size == rec.layout.size and len(rec.to_dict()["cells"]) == 4


def test_reconstruction_moves_towards_the_layer_and_repeats_with_the_seed(net):
    im = rec_mod.images.resize_long(gradient_image(48, 36), 32)
    target = rec_mod.targets(net, rec_mod.images.to_tensor(im), ("relu1_2",), "content")
    noise = 0.5 + rec_mod.NOISE * (torch.rand((1, 3, 24, 32), generator=torch.Generator().manual_seed(3)) - 0.5)
    start = float(rec_mod.cell_loss(net, noise, target, "content"))
    x, loss = rec_mod.optimise_cell(net, im, ("relu1_2",), "content", 20, 3, 0.0, lambda: None)
    assert loss < 0.5 * start
    again, _ = rec_mod.optimise_cell(net, im, ("relu1_2",), "content", 20, 3, 0.0, lambda: None)
    assert torch.equal(x, again)


def test_reconstruction_can_be_cancelled(net):
    with pytest.raises(Cancelled) as info:
        rec_mod.reconstruct(net, gradient_image(), ["relu1_1"], size=24, steps=5, cancel=lambda: True)
    assert info.value.image is not None


@pytest.mark.parametrize("name", list(BACKBONES))
def test_model_map_for_every_backbone(name):
    m = model_map(Settings(backbone=name))
    text = to_text(m)
    assert all(f"\n{l.name} " in text for l in m.layers)
    svg = ET.fromstring(to_svg(m))
    groups = [g.get("class") for g in svg.iter("{http://www.w3.org/2000/svg}g")]
    assert groups.count("layer") == len(m.layers) and groups.count("layer input") == 1
    assert sum(c.startswith("loss") for c in groups) == len(m.losses)
    fields = [l.field for l in m.layers]
    assert fields == sorted(fields) and fields[0] == 3


def test_model_map_loss_nodes_follow_the_settings():
    s = Settings(backbone="vgg19", content_layers=("relu3_1",), style_layers=("relu1_1", "relu2_1"),
                 style_layer_weights=(1, 3), style_weight=8, tv_weight=0, style_loss="gram")
    nodes = {(n.kind, n.layer): n for n in model_map(s).losses}
    assert nodes["style", "relu1_1"].weight == pytest.approx(2) and nodes["style", "relu2_1"].weight == pytest.approx(6)
    assert nodes["style", "relu1_1"].label == "Gram" and nodes["content", "relu3_1"].active
    assert not nodes["tv", None].active and nodes["patch", None].active
    from brushwork.terms import TERMS
    assert len(nodes) == 3 + sum(not t.features for t in TERMS)  # 1 content, 2 style, each image-level term
    with pytest.raises(BrushworkError, match="unknown layer 'relu9_1' for vgg19; valid layers: conv1_1"):
        model_map(s.replace(style_layers=("relu9_1",), style_layer_weights=None))
    assert math.isclose(sum(n.weight for n in model_map().losses if n.kind == "style"), Settings().style_weight)
