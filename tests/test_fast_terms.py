"""Fast training's objective is stylize's: TrainSettings shares the loss fields of Settings, and
PerceptualLoss composes the loss from brushwork.terms, so every term is there for training too."""
import argparse
from dataclasses import fields

import pytest
import torch

from brushwork import Settings, terms
from brushwork.errors import BrushworkError
from brushwork.fast.cli import register
from brushwork.fast.settings import TrainSettings
from brushwork.fast.train import PerceptualLoss

SHARED = (*terms.WEIGHT_FIELDS, "style_loss", "style_smoothing", "loss_normalisation",
          "content_layers", "style_layers", "style_layer_weights")


def test_train_settings_share_the_loss_fields_and_the_default_backbone():
    core, fast = ({f.name: f for f in fields(cls)} for cls in (Settings, TrainSettings))
    for name in SHARED:
        assert fast[name].metadata == core[name].metadata, name
    assert TrainSettings().backbone == Settings().backbone == "efficientnet-lite1"
    recipe = TrainSettings()  # the fast recipe measured in docs/fast.md, with its own weights
    assert (recipe.arch, recipe.content_weight, recipe.style_weight, recipe.chroma_tv_weight) == ("light", 3.75, 20.0, 10.0)
    assert recipe.patch_weight == recipe.colour_weight == recipe.stroke_weight == 0
    with pytest.raises(BrushworkError, match="patch_weight must be a non-negative"):
        TrainSettings.from_dict({"patch_weight": -1})
    with pytest.raises(BrushworkError, match="2 style layers but 1 layer weights"):
        TrainSettings.from_dict({"style_layers": "stem,block2_2", "style_layer_weights": "1"})


def test_every_term_is_a_train_flag():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    train = parser._subparsers._group_actions[0].choices["train"]
    options = {o: a.dest for a in train._actions for o in a.option_strings}
    for name in SHARED:
        assert options.get("--" + name.replace("_", "-")) == name


@pytest.fixture(scope="module")
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.rand(1, 3, 72, 72, generator=g), torch.rand(2, 3, 48, 48, generator=g), torch.rand(2, 3, 48, 48, generator=g)


def test_the_loss_reports_each_active_term_and_each_weight_scales_only_its_term(batch):
    style, x, y = batch
    on = dict(patch_weight=5.0, colour_weight=1.0, stroke_weight=100.0, range_weight=100.0, chroma_tv_weight=10.0)
    s = TrainSettings(backbone="efficientnet-lite0", image_size=48, **on)
    out = PerceptualLoss(s, style, "cpu")(x, y)
    assert list(out) == [t.name for t in terms.active(s)] == ["content", "style", "patch", "colour", "stroke",
                                                             "range", "tv", "chroma_tv"]
    assert all(torch.isfinite(v) for v in out.values()) and out["patch"] > 0 and out["range"] == 0
    doubled = PerceptualLoss(s.replace(patch_weight=10.0), style, "cpu")(x, y)
    assert float(doubled["patch"]) == pytest.approx(2 * float(out["patch"]))
    assert all(float(doubled[k]) == pytest.approx(float(v)) for k, v in out.items() if k != "patch")
    assert "patch" not in PerceptualLoss(s.replace(patch_weight=0.0), style, "cpu")(x, y)


def test_content_is_measured_against_each_crop_and_style_per_image(batch):
    style, x, y = batch
    loss = PerceptualLoss(TrainSettings(backbone="efficientnet-lite0", image_size=48), style, "cpu")
    assert float(loss(x, x)["content"]) == 0 and float(loss(x, y)["content"]) > 0
    twice = torch.cat([y[:1], y[:1]])
    pair, one = loss(torch.cat([x[:1], x[:1]]), twice)["style"], loss(x[:1], y[:1])["style"]
    assert float(pair) == pytest.approx(float(one), rel=1e-4)  # per image: a batch of two copies is no worse
