"""Fast style networks: training on generated photos, checkpoints, apply and ONNX export."""
import argparse

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork.errors import BrushworkError
from brushwork.fast import checkpoint
from brushwork.fast.apply import apply_paths, load_runner, pad_to_4, stylise_tensor
from brushwork.fast.cli import register
from brushwork.fast.network import ARCHS, build
from brushwork.fast.settings import TrainSettings
from brushwork.fast.train import train


def make_photos(folder, n=6, seed=0):
    """Smooth colour gradients with a few rectangles: cheap stand-ins for photos."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:72, 0:96] / 96.0
    for i in range(n):
        a = np.stack([(c0 + c1 * xx + c2 * yy) % 1 for c0, c1, c2 in rng.random((3, 3))], -1)
        for _ in range(3):
            y, x = rng.integers(0, 60), rng.integers(0, 80)
            a[y:y + 12, x:x + 16] = rng.random(3)
        sub = folder / ("nested" if i % 2 else ".")
        sub.mkdir(exist_ok=True)
        Image.fromarray((a * 255).astype(np.uint8)).save(sub / f"photo{i}.{'png' if i % 3 else 'jpg'}")
    (folder / "broken.jpg").write_bytes(b"not really a jpeg")
    return folder


def make_style(path):
    a = np.zeros((64, 64, 3), np.uint8)
    a[::8] = (250, 200, 20)
    a[:, ::8] = (20, 60, 200)
    Image.fromarray(a).save(path)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fast")
    s = TrainSettings(style_image=str(make_style(tmp / "style.png")), images=str(make_photos(tmp / "photos")),
                      arch="tiny", backbone="efficientnet-lite0", image_size=64, batch_size=2, steps=16,
                      learning_rate=1e-2, checkpoint_every=8, threads=1)
    seen = []
    with pytest.warns(UserWarning, match="broken.jpg"):
        out = train(s, tmp / "model.pt", progress=seen.append)
    return tmp, s, out, seen


def test_training_loss_falls_and_checkpoint_keeps_settings(trained):
    tmp, s, out, seen = trained
    assert [p.step for p in seen] == list(range(1, 17))
    first, last = seen[0].losses["style"], np.mean([p.losses["style"] for p in seen[-4:]])
    assert last < 0.8 * first
    assert seen[-1].skipped == 1
    net, loaded, data = checkpoint.load(out)
    assert loaded == s and data["step"] == 16 and net.spec == ARCHS["tiny"]
    assert [p.step for p in seen if p.checkpoint] == [8, 16]
    assert (tmp / "model-preview-000008.png").is_file() and (tmp / "model-preview-000016.png").is_file()


def test_resume_goes_on_from_the_step_reached(trained):
    tmp, s, out, _ = trained
    seen = []
    more = s.replace(steps=18, checkpoint_every=0)
    train(more, tmp / "resumed.pt", resume=out, progress=seen.append)
    assert [p.step for p in seen] == [17, 18]
    assert checkpoint.read(tmp / "resumed.pt")["settings"]["steps"] == 18


def test_stability_term_is_trained_when_asked(trained):
    tmp, s, out, plain = trained
    seen = []
    train(s.replace(steps=2, stability_weight=1.0, checkpoint_every=0), tmp / "stable.pt", progress=seen.append)
    assert all("stability" not in p.losses for p in plain)
    for p in seen:
        assert p.losses["stability"] > 0
        assert p.losses["total"] == pytest.approx(sum(v for k, v in p.losses.items() if k != "total"), rel=1e-5)


def test_stability_term_measures_how_much_input_noise_moves_the_output():
    from brushwork.fast.train import stability_term
    x = 0.1 + 0.8 * torch.rand(2, 3, 16, 16)  # away from 0 and 1, so the noise is not clamped
    identity = torch.nn.Identity()
    torch.manual_seed(0)
    moved = stability_term(identity, x, x, 1.0)
    torch.manual_seed(0)
    assert float(stability_term(identity, x, x, 3.0)) == pytest.approx(3 * float(moved))
    assert float(moved) == pytest.approx(100 * 0.02 ** 2, rel=0.1)  # 100 x the noise's variance
    assert float(stability_term(lambda t: torch.zeros_like(t), x, torch.zeros_like(x), 1.0)) == 0
    net = build(ARCHS["tiny"])
    stability_term(net, x, net(x), 1.0).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


@pytest.mark.parametrize("runtime", ["torch", "onnx"])
def test_apply_keeps_the_size(trained, tmp_path, runtime):
    if runtime == "onnx":
        pytest.importorskip("onnxruntime")
    _, _, model, _ = trained
    Image.new("RGB", (70, 51), (120, 30, 200)).save(tmp_path / "in.png")
    runner, settings = load_runner(model, runtime)
    assert settings.arch == "tiny"
    apply_paths(runner, [tmp_path / "in.png"], tmp_path / "out.jpg")
    assert Image.open(tmp_path / "out.jpg").size == (70, 51)


def test_onnx_matches_torch(trained):
    pytest.importorskip("onnxruntime")
    _, _, model, _ = trained
    x = torch.rand(1, 3, 40, 52)
    a = stylise_tensor(load_runner(model, "torch")[0], x)
    b = stylise_tensor(load_runner(model, "onnx")[0], x)
    assert (a - b).abs().max() < 1e-3


def test_apply_folder_strength_zero_and_skips(trained, tmp_path):
    _, _, model, _ = trained
    photos = make_photos(tmp_path / "in", n=3)
    runner, _ = load_runner(model, "torch")
    with pytest.warns(UserWarning, match="broken"):
        written, skipped = apply_paths(runner, [photos], tmp_path / "out", strength=0.0)
    assert (written, skipped) == (3, 1)
    src = np.asarray(Image.open(photos / "nested" / "photo1.png"), np.float32)
    out = np.asarray(Image.open(tmp_path / "out" / "nested" / "photo1.png"), np.float32)
    assert np.abs(src - out).max() <= 1


def cli(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(list(map(str, argv)))
    return args.func(args)


def test_cli_apply_preserves_colour_and_blends_by_strength(trained, tmp_path):
    from brushwork import images
    from conftest import gradient_image
    _, _, model, _ = trained
    gradient_image(66, 50).save(tmp_path / "a.png")
    for name, *flags in (("full", "--preserve-color"), ("half", "--preserve-color", "--strength", 0.5), ("plain",)):
        assert cli("apply", model, tmp_path / "a.png", "-o", tmp_path / f"{name}.png", "--runtime", "torch", *flags) == 0
    content, full, half, plain = (images.to_tensor(Image.open(tmp_path / f"{n}.png"))
                                  for n in ("a", "full", "half", "plain"))
    assert full.shape == content.shape == (1, 3, 50, 66)
    chroma_change = lambda t: float((images.rgb_to_yiq(t) - images.rgb_to_yiq(content))[:, 1:].abs().mean())
    assert chroma_change(full) < 0.3 * chroma_change(plain)  # only the luminance was styled (gamut clips a little)
    moved_full, moved_half = (full - content).abs().mean(), (half - content).abs().mean()
    assert moved_full > 0.02 and float(moved_half) == pytest.approx(0.5 * float(moved_full), rel=0.15)


def test_cli_export_onnx_runs_like_the_checkpoint(trained, tmp_path):
    pytest.importorskip("onnxruntime")
    _, s, model, _ = trained
    assert cli("apply", model, "--export-onnx", tmp_path / "m.onnx") == 0
    runner, settings = load_runner(tmp_path / "m.onnx")
    assert settings == s
    x = torch.rand(1, 3, 36, 44)
    expected = stylise_tensor(load_runner(model, "torch")[0], x)
    assert (stylise_tensor(runner, x) - expected).abs().max() < 1e-3


def test_not_a_model_is_a_one_line_error(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"junk")
    with pytest.raises(BrushworkError, match="not a brushwork style model"):
        load_runner(tmp_path / "x.pt", "torch")
    with pytest.raises(BrushworkError, match="model not found"):
        load_runner(tmp_path / "missing.pt")


def test_settings_validate_and_round_trip():
    s = TrainSettings(style_layers=("block1_1", "block2_2"))
    assert TrainSettings.from_dict(s.to_dict()) == s
    with pytest.raises(BrushworkError, match="arch"):
        TrainSettings(arch="huge").validate()
    with pytest.raises(BrushworkError, match="unknown training setting"):
        TrainSettings.from_dict({"stpes": 3})


@pytest.mark.parametrize("name", sorted(ARCHS))
def test_every_architecture_keeps_odd_sizes(name):
    net = build(name).eval()
    x, (h, w) = pad_to_4(torch.rand(1, 3, 21, 30))
    assert x.shape[-2:] == (24, 32)
    with torch.no_grad():
        assert stylise_tensor(net, torch.rand(1, 3, 21, 30)).shape == (1, 3, 21, 30)


def test_a_model_of_the_old_recipe_keeps_its_settings_and_network(tmp_path):
    """Checkpoints store their settings and architecture: new defaults change neither on load or resume."""
    from brushwork.fast.cli import train_settings

    old = TrainSettings(style_image="s.png", images="photos", arch="fast", content_weight=1.0, chroma_tv_weight=0.0)
    assert TrainSettings().arch != "fast" and TrainSettings().content_weight != 1.0  # the defaults moved on
    net = build("fast")
    checkpoint.save(tmp_path / "old.pt", net, old, 7)
    loaded_net, loaded, _ = checkpoint.load(tmp_path / "old.pt")
    assert loaded == old and loaded_net.spec == ARCHS["fast"]
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["train", "s.png", "--images", "photos", "-o", "m.pt", "--resume",
                              str(tmp_path / "old.pt"), "--minutes", "5"])
    resumed = train_settings(args)
    assert resumed == old.replace(minutes=5.0)
