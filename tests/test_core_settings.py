import dataclasses

import pytest

from brushwork import BrushworkError, Settings, preset
from brushwork.presets import PRESETS
from brushwork.settings import MAX_SIZE


def test_every_setting_is_documented():
    for f in dataclasses.fields(Settings):
        assert f.metadata.get("help"), f"{f.name} has no help text"
        assert f.metadata.get("group")


def test_defaults_are_valid_and_run_offline(monkeypatch, tmp_path):
    s = Settings().validate()
    assert s.backbone == "efficientnet-lite1"
    import torch

    from brushwork import weights
    from brushwork.backbones import create_backbone

    def no_network(*a, **kw):
        raise AssertionError("the default backbone tried to download")
    monkeypatch.setattr(weights.urllib.request, "urlopen", no_network)
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "empty-cache"))
    path = weights.locate(s.backbone)  # packaged: no download needed
    assert path is not None and weights.verify(path, weights.record(s.backbone)) == path
    net = create_backbone(s.backbone)
    layers = (*net.default_content, *net.default_style)
    feats = net(torch.rand(1, 3, 32, 32), layers)
    assert set(feats) == set(layers) and all(torch.isfinite(f).all() for f in feats.values())


def test_from_dict_parses_strings_and_lists():
    s = Settings.from_dict({"iterations": "12", "style_weight": "2.5", "style_layers": "stem, block2_2",
                            "style_layer_weights": "1,3", "init": "mix"})
    assert s.iterations == 12 and s.style_weight == 2.5
    assert s.style_layers == ("stem", "block2_2") and s.style_layer_weights == (1.0, 3.0)


def test_round_trip_through_dict():
    s = preset("dl4j")
    assert Settings.from_dict(s.to_dict()) == s


@pytest.mark.parametrize("changes, words", [
    ({"style_weight": -1}, "style_weight"),
    ({"content_weight": float("nan")}, "content_weight"),
    ({"iterations": 0}, "iterations"),
    ({"size": MAX_SIZE + 1}, "too large"),
    ({"optimizer": "sgd"}, "optimizer must be one of"),
    ({"noise_ratio": 1.5}, "noise_ratio"),
    ({"keep_preview": 1.5}, "keep_preview must be between 0 and 1"),
    ({"keep_preview": float("nan")}, "keep_preview"),
    ({"init": "file"}, "init_image"),
    ({"style_layers": ("a", "b"), "style_layer_weights": (1.0,)}, "2 style layers but 1"),
    ({"style_blend": (0.0, 0.0)}, "must not all be zero"),
    ({"learning_rate": 0}, "learning_rate"),
    ({"level_ratio": 0}, "level_ratio must be between"),
    ({"start_colour": 1.5}, "start_colour must be between 0 and 1"),
    ({"start_colour": float("nan")}, "start_colour"),
    ({"level_ratio": float("inf")}, "level_ratio"),
    ({"detail_follow": 5.0}, "detail_follow must be between 0 and 4"),
    ({"detail_follow": -1.0}, "detail_follow must be a non-negative number"),
    ({"detail_follow": float("nan")}, "detail_follow"),
    ({"match_weight": -1.0}, "match_weight must be a non-negative number"),
    ({"repaint": 1.5}, "repaint must be between 0 and 1"),
    ({"repaint": float("nan")}, "repaint"),
    ({"region_tone": 2.0}, "region_tone must be between 0 and 1"),
    ({"region_hue": -0.5}, "region_hue must be between 0 and 1"),
    ({"fine_content": -1.0}, "fine_content must be between 0 and 100"),
    ({"fine_content": float("inf")}, "fine_content"),
])
def test_nonsense_settings_are_refused(changes, words):
    with pytest.raises(BrushworkError, match=words):
        Settings(**changes).validate()


def test_unknown_setting_suggests_a_close_name():
    with pytest.raises(BrushworkError, match="did you mean style_weight"):
        Settings.from_dict({"style_wieght": 1})


def test_bad_number_is_a_clear_error():
    with pytest.raises(BrushworkError, match="iterations must be a whole number"):
        Settings.from_dict({"iterations": "lots"})


def test_presets_set_what_they_say():
    dl4j = preset("dl4j")
    assert dl4j.backbone == "vgg16" and dl4j.content_layers == ("conv4_2",)
    assert dl4j.style_layers == ("conv1_1", "conv2_1", "conv3_1", "conv4_2", "conv5_1")
    assert dl4j.style_layer_weights == (0.5, 1.0, 1.5, 3.0, 4.0)
    assert (dl4j.content_weight, dl4j.style_weight) == (0.025, 5.0)
    assert (dl4j.optimizer, dl4j.adam_beta1, dl4j.adam_beta2) == ("adam", 0.8, 0.999)
    assert dl4j.learning_rate == pytest.approx(2 / 255)  # lr 2 on 0..255 pixels
    assert (dl4j.init, dl4j.noise_ratio, dl4j.size, dl4j.iterations, dl4j.snapshot_every) == ("mix", 0.1, 224, 1000, 5)
    sp = preset("signalpop")
    assert sp.backbone == "vgg19" and sp.style_layers == tuple(f"conv{i}_1" for i in range(1, 6))
    assert sp.style_layer_weights == (0.2,) * 5 and sp.content_layers == ("conv4_2",)
    assert (sp.optimizer, sp.init, sp.size, sp.iterations, sp.tv_weight) == ("lbfgs", "content", 640, 200, 0.0)
    ns = preset("neural-style")
    assert ns.content_layers == ("relu4_2",) and ns.style_layers == tuple(f"relu{i}_1" for i in range(1, 6))
    assert (ns.content_weight, ns.style_weight, ns.tv_weight) == (5.0, 100.0, 1e-3)
    assert (ns.optimizer, ns.init, ns.size, ns.iterations) == ("lbfgs", "noise", 512, 1000)
    assert preset("brushwork") == Settings()


def test_preset_overrides_and_unknown_name():
    assert preset("dl4j", iterations=7).iterations == 7
    with pytest.raises(BrushworkError, match="did you mean dl4j"):
        preset("dl4")
    assert set(PRESETS) >= {"brushwork", "dl4j", "signalpop", "neural-style"}


@pytest.mark.parametrize("name", ["dl4j", "signalpop", "neural-style"])
def test_reproduction_presets_use_only_the_terms_they_name_and_plain_pixels(name):
    from brushwork.terms import TERMS
    s = preset(name)  # whatever terms brushwork adds, a reproduction keeps to the original objective
    used = set(PRESETS[name]["terms"])
    for term in TERMS:
        if term.name not in used:
            assert getattr(s, term.weight) == 0, term.name
    assert "content" in used and "style" in used and s.content_weight > 0 and s.style_weight > 0
    assert (s.octaves, s.chroma_factor) == (1, 1.0)
