import contextlib
import hashlib
import io
import math

import pytest
import torch

from brushwork import BrushworkError, weights
from brushwork.backbones import BACKBONES, create_backbone, describe_layers
from conftest import tiny_vgg_state


def build(name, tmp_path):
    if name.startswith("vgg"):
        path = tmp_path / f"{name}.pth"
        torch.save(tiny_vgg_state(name), path)
        return create_backbone(name, str(path))
    return create_backbone(name)


@pytest.mark.parametrize("name", list(BACKBONES))
def test_every_backbone_reports_what_it_outputs(name, tmp_path):
    net = build(name, tmp_path)
    out = net(torch.rand(1, 3, 64, 96), net.layer_names)
    assert list(out) == net.layer_names
    for info in net.info:
        assert out[info.name].shape[1] == info.channels, info
        assert out[info.name].shape[-2:] == (math.ceil(64 / info.stride), math.ceil(96 / info.stride)), info
    net.check_layers(net.default_content + net.default_style)
    listed, content, style = describe_layers(name)
    assert [l.name for l in listed] == net.layer_names and content == net.default_content
    assert all(not p.requires_grad for p in net.parameters()) and not net.training


def test_forward_stops_at_the_deepest_wanted_layer(tmp_path):
    net = build("vgg19", tmp_path)
    calls = []
    net.stages[-1].register_forward_hook(lambda *a: calls.append(1))
    net(torch.rand(1, 3, 32, 32), ["relu1_1"])
    assert calls == []


def test_lite0_matches_the_reference_implementation():
    ref_pkg = pytest.importorskip("efficientnet_lite_pytorch")
    net = create_backbone("efficientnet-lite0")
    with contextlib.redirect_stdout(io.StringIO()):
        ref = ref_pkg.EfficientNet.from_pretrained("efficientnet-lite0",
                                                   weights_path=str(weights.locate("efficientnet-lite0"))).eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        y = torch.nn.functional.relu6(ref._bn0(ref._conv_stem((x - net.mean) / net.std)))
        for block in ref._blocks:
            y = block(y)
        mine = net(x, ["block7_1"])["block7_1"]
    assert torch.allclose(mine, y, atol=1e-4)


def test_unknown_names_suggest_close_ones(tmp_path):
    with pytest.raises(BrushworkError, match="did you mean vgg19"):
        create_backbone("vgg91")
    net = build("vgg16", tmp_path)
    with pytest.raises(BrushworkError, match="did you mean relu4_2"):
        net.check_layers(["relu4_22"])


def test_vgg_pooling_choice(tmp_path):
    path = tmp_path / "v.pth"
    torch.save(tiny_vgg_state("vgg16"), path)
    avg = create_backbone("vgg16", str(path), pooling="avg")
    assert isinstance(avg.stages[avg.layer_names.index("pool1")], torch.nn.AvgPool2d)


def test_weights_with_wrong_keys_or_not_weights_are_refused(tmp_path):
    state = tiny_vgg_state("vgg16")
    torch.save(state, tmp_path / "vgg16.pth")
    with pytest.raises(BrushworkError, match="not a torchvision vgg19 state dict"):
        create_backbone("vgg19", str(tmp_path / "vgg16.pth"))
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(BrushworkError, match="not a PyTorch weights file"):
        create_backbone("vgg19", str(tmp_path / "junk.pth"))
    with pytest.raises(BrushworkError, match="weights file not found"):
        create_backbone("vgg19", str(tmp_path / "missing.pth"))


def test_missing_vgg_weights_offline_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(BrushworkError, match="brushwork weights fetch vgg19"):
        create_backbone("vgg19", download=False)


class FakeResponse(io.BytesIO):
    headers = {}

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def fake_record(monkeypatch, payload: bytes, prefix: str):
    rec = weights.WeightRecord("vgg19", "vgg19-test.pth", prefix, url="https://example.invalid/vgg19.pth")
    monkeypatch.setitem(weights.WEIGHTS, "vgg19", rec)
    monkeypatch.setattr(weights.urllib.request, "urlopen", lambda url, timeout: FakeResponse(payload))


def test_fetch_downloads_verifies_and_caches(tmp_path, monkeypatch):
    buf = io.BytesIO()
    torch.save(tiny_vgg_state("vgg19"), buf)
    payload = buf.getvalue()
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "cache"))
    fake_record(monkeypatch, payload, hashlib.sha256(payload).hexdigest()[:8])
    path = weights.fetch("vgg19", progress=False)
    assert path == tmp_path / "cache" / "vgg19-test.pth" and path.read_bytes() == payload
    net = create_backbone("vgg19")  # found in the cache now, verified again
    assert "relu5_1" in net.layer_names


def test_fetch_with_a_bad_hash_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "cache"))
    fake_record(monkeypatch, b"corrupted download", "00000000")
    with pytest.raises(BrushworkError, match="does not start with 00000000"):
        weights.fetch("vgg19", progress=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_fetch_without_network_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "cache"))

    def offline(url, timeout):
        raise weights.urllib.error.URLError("no network")

    monkeypatch.setattr(weights.urllib.request, "urlopen", offline)
    with pytest.raises(BrushworkError, match="--weights PATH"):
        weights.fetch("vgg16", progress=False)


def test_packaged_weights_are_verified():
    assert weights.verify(weights.locate("efficientnet-lite0"), weights.record("efficientnet-lite0"))


def test_a_file_with_the_official_name_but_other_bytes_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "vgg19-dcbb9e9d.pth"
    torch.save(tiny_vgg_state("vgg19"), fake)
    with pytest.raises(BrushworkError, match="is not the vgg19 weights file"):
        create_backbone("vgg19", str(fake))
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path))  # the same file found in the cache
    with pytest.raises(BrushworkError, match="does not start with dcbb9e9d"):
        create_backbone("vgg19")
