import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import BrushworkError, images
from conftest import gradient_image


def save(tmp_path, im, name, **kw):
    p = tmp_path / name
    im.save(p, **kw)
    return p


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "RGBA", "LA", "1"])
def test_modes_become_rgb(tmp_path, mode):
    src = gradient_image().convert(mode)
    im = images.load_image(save(tmp_path, src, f"x.{'tif' if mode == 'CMYK' else 'png'}"))
    assert im.mode == "RGB" and im.size == src.size


def test_alpha_is_composited_on_white(tmp_path):
    im = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert images.load_image(save(tmp_path, im, "a.png")).getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_is_scaled_not_clipped(tmp_path):
    a = np.full((4, 4), 32768, dtype=np.uint16)
    im = images.load_image(save(tmp_path, Image.fromarray(a), "deep.png"))
    assert im.getpixel((0, 0))[0] in (127, 128)


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    p = save(tmp_path, gradient_image(48, 36), "r.jpg", exif=exif)
    assert images.load_image(p).size == (36, 48)


@pytest.mark.parametrize("make, words", [
    (lambda p: None, "not found"),
    (lambda p: p.write_text("hello, not a picture"), "not an image"),
    (lambda p: p.write_bytes(open(p.parent / "good.png", "rb").read()[:300]), "damaged or truncated"),
])
def test_bad_files_get_one_clear_error(tmp_path, make, words):
    gradient_image(200, 150).save(tmp_path / "good.png")
    p = tmp_path / "bad.png"
    make(p)
    with pytest.raises(BrushworkError, match=words) as e:
        images.load_image(p)
    assert "\n" not in str(e.value)


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    p = save(tmp_path, gradient_image(64, 64), "big.png")
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(BrushworkError, match="decompression bomb"):
        images.load_image(p)


def test_resize_long_side():
    assert images.resize_long(gradient_image(48, 36), 96).size == (96, 72)


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    out = tmp_path / "out.png"
    out.write_bytes(b"previous result")

    def broken_save(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError):
        images.save_image(gradient_image(), out)
    assert out.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_save_formats_and_refusals(tmp_path):
    for name in ("o.png", "o.jpg"):
        images.save_image(gradient_image(), tmp_path / name)
        assert Image.open(tmp_path / name).size == (48, 36)
    with pytest.raises(BrushworkError, match="cannot write '.gif'"):
        images.check_output_path(tmp_path / "o.gif")
    with pytest.raises(BrushworkError, match="does not exist"):
        images.check_output_path(tmp_path / "nowhere" / "o.png")


def test_keep_luminance_takes_colour_from_the_content():
    content = images.to_tensor(gradient_image())
    grey = content.mean(1, keepdim=True).repeat(1, 3, 1, 1)
    out = images.keep_luminance(grey, content)
    yiq_out, yiq_content = images.rgb_to_yiq(out), images.rgb_to_yiq(content)
    assert torch.allclose(yiq_out[:, 0], images.rgb_to_yiq(grey)[:, 0], atol=0.02)
    assert torch.allclose(yiq_out[:, 1:], yiq_content[:, 1:], atol=0.05)


def test_match_colour_moves_mean_and_covariance():
    src = images.to_tensor(gradient_image(seed=3)) * 0.5
    target = 0.2 + 0.6 * images.to_tensor(gradient_image(seed=4)).flip(1)  # inside 0..1 after the transform
    out = images.match_colour(src, target)
    flat = lambda t: t[0].reshape(3, -1)
    assert torch.allclose(flat(out).mean(1), flat(target).mean(1), atol=0.02)
    assert torch.allclose(torch.cov(flat(out)), torch.cov(flat(target)), atol=0.01)


def test_saved_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    out = images.save_image(gradient_image(), tmp_path / "shared.png")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_fade_colour_keeps_luminance_and_moves_chroma_to_the_paintings_mean():
    g = torch.Generator().manual_seed(0)
    photo = torch.rand(1, 3, 24, 32, generator=g) * 0.6 + 0.2
    painting = torch.rand(1, 3, 16, 16, generator=g) * torch.tensor([0.8, 0.4, 0.1]).view(1, 3, 1, 1) + 0.1
    assert torch.allclose(images.fade_colour(photo, painting, 1.0), photo, atol=1e-5)
    faded = images.rgb_to_yiq(images.fade_colour(photo, painting, 0.0))
    assert torch.allclose(faded[:, 0], images.rgb_to_yiq(photo)[:, 0], atol=1e-5)  # light and shade kept
    target = images.rgb_to_yiq(painting).mean((2, 3))[0, 1:]
    assert faded[0, 1:].flatten(1).std(1).max() < 1e-5  # one colour everywhere: the painting's mean
    assert torch.allclose(faded[0, 1:].mean((1, 2)), target, atol=1e-5)
    half = images.rgb_to_yiq(images.fade_colour(photo, painting, 0.5))[0, 1:]
    spread = images.rgb_to_yiq(photo)[0, 1:].flatten(1).std(1)
    assert torch.allclose(half.flatten(1).std(1), 0.5 * spread, rtol=1e-3)
