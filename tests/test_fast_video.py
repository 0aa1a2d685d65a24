"""`brushwork video`: a tiny video generated here round-trips with its frame count, size, frame
rate and audio; bad inputs give one-line errors."""
import argparse
from fractions import Fraction

import numpy as np
import pytest

from brushwork.errors import BrushworkError
from brushwork.fast import checkpoint
from brushwork.fast.cli import register
from brushwork.fast.network import build
from brushwork.fast.settings import TrainSettings
from brushwork.fast.temporal import TemporalBlend, flicker_ratio

av = pytest.importorskip("av")


def make_video(path, frames=7, size=(64, 48), rate=12, audio=True):
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=rate)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = out.add_stream("aac", rate=16000) if audio else None
        for i in range(frames):
            img = np.zeros((size[1], size[0], 3), np.uint8)
            img[:, :, 0] = np.linspace(0, 255, size[0], dtype=np.uint8)
            img[10:30, 4 * i:4 * i + 16] = (30, 220, 90)
            out.mux(v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(v.encode(None))
        if a is not None:
            t = np.arange(16000 * frames // rate) / 16000
            samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate = 16000
            out.mux(a.encode(frame))
            out.mux(a.encode(None))
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "model.pt"
    return checkpoint.save(path, build("tiny"), TrainSettings(arch="tiny"), 0)


def run(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(list(map(str, argv)))
    return args.func(args)


@pytest.mark.parametrize("runtime", ["torch", "auto"])
def test_video_round_trip_keeps_frames_size_rate_and_audio(model, tmp_path, runtime):
    src = make_video(tmp_path / "in.mp4")
    assert run("video", src, "-o", tmp_path / "out.mp4", "--model", model, "--runtime", runtime) == 0
    with av.open(str(tmp_path / "out.mp4")) as c:
        v = c.streams.video[0]
        frames = sum(1 for _ in c.decode(v))
        assert (v.codec_context.width, v.codec_context.height) == (64, 48)
        assert v.average_rate == Fraction(12)
        assert frames == 7
        assert len(c.streams.audio) == 1


def test_video_at_reduced_size_without_audio(model, tmp_path):
    src = make_video(tmp_path / "in.mkv", frames=4, size=(50, 34), audio=False)
    assert run("video", src, "-o", tmp_path / "out.mov", "--model", model, "--size", "24",
               "--smoothing", "0", "--strength", "0.5") == 0
    with av.open(str(tmp_path / "out.mov")) as c:
        v = c.streams.video[0]
        assert sum(1 for _ in c.decode(v)) == 4 and (v.width, v.height) == (50, 34)


def test_corrupt_video_and_non_video_are_one_line_errors(model, tmp_path):
    (tmp_path / "bad.mp4").write_bytes(np.random.default_rng(0).bytes(5000))
    (tmp_path / "notes.txt").write_text("just some text\n" * 50)
    for bad in ("bad.mp4", "notes.txt", "missing.mp4"):
        with pytest.raises(BrushworkError) as e:
            run("video", tmp_path / bad, "-o", tmp_path / "out.mp4", "--model", model)
        assert "\n" not in str(e.value)
    with pytest.raises(BrushworkError, match="cannot write"):
        run("video", make_video(tmp_path / "ok.mp4", audio=False), "-o", tmp_path / "out.xyz", "--model", model)


def test_truncated_mp4_is_a_one_line_error_and_writes_nothing(model, tmp_path):
    data = make_video(tmp_path / "full.mp4", frames=12, audio=False).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])  # its index (moov) is at the end: lost
    with pytest.raises(BrushworkError, match="cut.mp4") as e:
        run("video", tmp_path / "cut.mp4", "-o", tmp_path / "out.mp4", "--model", model)
    assert "\n" not in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("model")) == ["cut.mp4", "full.mp4"]


def test_truncated_stream_gives_the_frames_that_survive(model, tmp_path):
    data = make_video(tmp_path / "full.ts", frames=12, audio=False).read_bytes()
    (tmp_path / "cut.ts").write_bytes(data[: len(data) // 2])  # MPEG-TS decodes up to the cut
    assert run("video", tmp_path / "cut.ts", "-o", tmp_path / "out.mp4", "--model", model) == 0
    with av.open(str(tmp_path / "out.mp4")) as c:
        v = c.streams.video[0]
        assert 0 < sum(1 for _ in c.decode(v)) < 12 and (v.width, v.height) == (64, 48)


def test_temporal_blend_steadies_a_static_noisy_scene():
    import torch
    rng = torch.Generator().manual_seed(0)
    frame = torch.full((1, 3, 16, 16), 0.5)
    styled = [frame + 0.1 * torch.rand(frame.shape, generator=rng) for _ in range(6)]
    blend = TemporalBlend(0.8)
    out = [blend(frame, s) for s in styled]
    inputs = [frame + 0.01 * i for i in range(6)]
    assert flicker_ratio(inputs, out) < flicker_ratio(inputs, styled)
