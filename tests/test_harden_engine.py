"""Regression tests for issue 11 (hardening) on stylize: thin images and huge learning rates."""
import numpy as np
import pytest
from PIL import Image

from brushwork import BrushworkError, Settings, stylize
from brushwork.cli import main
from conftest import stripes_image


def noise(w, h):
    return Image.fromarray(np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8))


def tiny(weights, **kw):
    return Settings(backbone="vgg19", weights=str(weights), iterations=2, **kw)


@pytest.mark.parametrize("w, h", [(1, 4000), (4000, 1), (10, 300)])
def test_too_thin_content_is_a_clear_error_not_nan(vgg19_weights, w, h):
    with pytest.raises(BrushworkError, match=r"content image is .*at least 16 px are needed each way"):
        stylize(noise(w, h), stripes_image(), tiny(vgg19_weights, size=300))


def test_thin_content_skips_the_coarse_levels_it_is_too_thin_for(vgg19_weights):
    levels = []
    out = stylize(noise(24, 300), stripes_image(), tiny(vgg19_weights, size=300),
                  progress=lambda p: levels.append(p.levels))
    assert out.size == (24, 300) and set(levels) == {1}  # the 150 px level (12 px wide) was skipped


def test_thin_styles_are_enlarged_or_refused(vgg19_weights):
    out = stylize(noise(48, 36), noise(2, 400), tiny(vgg19_weights, size=48))
    assert out.size == (48, 36)
    with pytest.raises(BrushworkError, match="style image is 1x9000: too thin"):
        stylize(noise(48, 36), noise(1, 9000), tiny(vgg19_weights, size=48))


@pytest.mark.parametrize("value", ["1e308", "inf", "nan", "-1", "0"])
def test_cli_huge_or_non_finite_learning_rate_is_one_line(content_path, style_path, tmp_path, capsys, value):
    code = main(["stylize", str(content_path), str(style_path), "-o", str(tmp_path / "o.png"),
                 f"--learning-rate={value}", "--iterations", "2", "--size", "32"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("brushwork: error: learning_rate") and len(err.splitlines()) == 1
    assert not (tmp_path / "o.png").exists()


def test_cli_thin_content_is_one_line(vgg19_weights, tmp_path, capsys):
    noise(1, 4000).save(tmp_path / "thin.png")
    stripes_image().save(tmp_path / "style.png")
    code = main(["stylize", str(tmp_path / "thin.png"), str(tmp_path / "style.png"), "-o", str(tmp_path / "o.png"),
                 "--backbone", "vgg19", "--weights", str(vgg19_weights), "--iterations", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "content image is 1x4000" in err and "nan" not in err
