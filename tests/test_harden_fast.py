"""Regression tests for issue 11 (hardening) on apply and video: size limits and the memory
check, tiny and thin images, nan smoothing, one-line warnings."""
import numpy as np
import pytest
from PIL import Image

from brushwork import engine
from brushwork.cli import main
from brushwork.fast import checkpoint
from brushwork.fast.network import build
from brushwork.fast.settings import TrainSettings

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """An untrained 'tiny' network saved as a checkpoint: enough to run apply end to end."""
    import torch

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    checkpoint.save(path, build("tiny"), TrainSettings(arch="tiny"), step=1)
    return path


def photo(path, w, h):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("size", ["100000", "8193", "4"])
def test_apply_and_video_refuse_sizes_out_of_range(model, tmp_path, capsys, size):
    src = photo(tmp_path / "in.png", 20, 10)
    code, err = run(capsys, "apply", model, src, "-o", tmp_path / "out.png", "--size", size)
    assert code == 2 and "--size must be between 16 and 8192" in err and "Traceback" not in err
    code, err = run(capsys, "video", tmp_path / "clip.mp4", "-o", tmp_path / "o.mp4", "--model", model, "--size", size)
    assert code == 2 and "--size must be between 16 and 8192" in err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("runtime", ["torch", "onnx"])
def test_apply_refuses_an_image_that_will_not_fit_in_memory(model, tmp_path, capsys, monkeypatch, runtime):
    monkeypatch.setattr(engine, "available_memory", lambda device: 50_000_000)  # 50 MB free
    src = photo(tmp_path / "in.png", 40, 30)
    code, err = run(capsys, "apply", model, src, "-o", tmp_path / "big.png", "--size", "4096", "--runtime", runtime)
    assert code == 2 and "4096x3072 image needs about" in err and "smaller --size" in err
    code, err = run(capsys, "apply", model, src, "-o", tmp_path / "small.png", "--size", "64", "--runtime", runtime)
    assert code == 0 and Image.open(tmp_path / "small.png").size == (64, 48)


@pytest.mark.parametrize("runtime", ["torch", "onnx"])
@pytest.mark.parametrize("w, h", [(1, 1), (1, 9), (7, 1), (1, 4000), (3, 5)])
def test_apply_works_on_tiny_and_one_pixel_wide_images(model, tmp_path, capsys, runtime, w, h):
    src = photo(tmp_path / "in.png", w, h)
    code, err = run(capsys, "apply", model, src, "-o", tmp_path / "out.png", "--runtime", runtime)
    assert code == 0, err
    assert Image.open(tmp_path / "out.png").size == (w, h)


@pytest.mark.parametrize("value", ["nan", "-0.1", "1", "inf"])
def test_video_smoothing_out_of_range_is_refused_first(model, tmp_path, capsys, value):
    code, err = run(capsys, "video", tmp_path / "missing.mp4", "-o", tmp_path / "o.mp4", "--model", model,
                    "--smoothing", value)
    assert code == 2 and "smoothing must be in [0, 1)" in err


def test_warnings_are_one_line_without_source_code(model, tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    photo(folder / "good.png", 24, 16)
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    code, err = run(capsys, "apply", model, folder, "-o", tmp_path / "out", "--runtime", "torch")
    assert code == 0
    assert "brushwork: warning: skipped: input image" in err and "broken.jpg" in err
    assert "UserWarning" not in err and "warnings.warn" not in err


def test_negative_threads_are_a_one_line_error(model, tmp_path, capsys):
    src = photo(tmp_path / "in.png", 8, 8)
    code, err = run(capsys, "apply", model, src, "-o", tmp_path / "out.png", "--threads", "-1")
    assert code == 2 and "--threads must be 0" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["1e308", "2", "nan", "inf"])
def test_train_refuses_a_huge_or_non_finite_learning_rate(tmp_path, capsys, value):
    code, err = run(capsys, "train", tmp_path / "style.png", "--images", tmp_path, "-o", tmp_path / "m.pt",
                    "--learning-rate", value)
    assert code == 2 and "learning_rate must be above 0 and at most 1" in err
