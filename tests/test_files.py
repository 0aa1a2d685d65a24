"""The shared helpers: atomic writes (one policy: the usual file mode, nothing half-written left
behind) used by images, cached weights, checkpoints, ONNX exports and videos; image-to-tensor."""
import hashlib
import io
import os
import stat

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import files, images, weights
from brushwork.fast import checkpoint
from brushwork.fast.network import arch, build
from brushwork.fast.settings import TrainSettings

from conftest import tiny_vgg_state
from test_core_backbones import fake_record


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_write_atomic_gives_the_usual_mode_and_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = files.write_atomic(b"abc", tmp_path / "a.bin")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"abc" and mode(path) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".png" and tmp.exists()
            tmp.write_bytes(b"half")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_saved_images_checkpoints_and_cached_weights_are_not_owner_only(tmp_path, monkeypatch, umask_022):
    im = images.save_image(Image.new("RGB", (8, 6), (200, 10, 10)), tmp_path / "image.png")
    s = TrainSettings(arch="tiny", backbone="vgg16")
    ckpt = checkpoint.save(tmp_path / "model.pt", build(arch("tiny")), s, step=3)
    buf = io.BytesIO()
    torch.save(tiny_vgg_state("vgg19"), buf)
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "cache"))
    fake_record(monkeypatch, buf.getvalue(), hashlib.sha256(buf.getvalue()).hexdigest()[:8])
    cached = weights.fetch("vgg19", progress=False)
    assert [mode(p) for p in (im, ckpt, cached)] == [0o644] * 3
    assert checkpoint.read(ckpt)["step"] == 3 and cached.read_bytes() == buf.getvalue()


def test_exported_onnx_is_not_owner_only(tmp_path, umask_022):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from brushwork.fast.export import export
    path = export(build(arch("tiny")), tmp_path / "model.onnx")
    assert mode(path) == 0o644 and path.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_to_tensor_takes_an_image_or_an_array_alike():
    a = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    from_image, from_array = images.to_tensor(Image.fromarray(a)), images.to_tensor(a)
    assert from_image.shape == (1, 3, 5, 7) and from_image.dtype == torch.float32
    assert torch.equal(from_image, from_array)
    assert from_array[0, :, 2, 3].tolist() == pytest.approx((a[2, 3] / 255).tolist())
    assert np.array_equal(np.asarray(images.to_image(from_array)), a)
