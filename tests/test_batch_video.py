"""`brushwork video --style` through the batch machinery: the frames styled as batch items, then
blended in order, give exactly what optimising and blending frame by frame in one loop gives; a
run stopped after some frames resumes with only the rest."""
import argparse

import numpy as np
import pytest

from brushwork import images, stylize
from brushwork.batch import video as bv
from brushwork.fast.cli import register
from brushwork.fast.temporal import TemporalBlend
from brushwork.fast.video import FrameWork, open_video
from conftest import stripes_image

av = pytest.importorskip("av")
from test_fast_video import make_video  # noqa: E402  (needs av)


def parse(*argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(list(map(str, argv)))


@pytest.fixture
def clip(tmp_path):
    stripes_image().save(tmp_path / "style.png")
    return make_video(tmp_path / "in.mp4", frames=4, size=(48, 32), audio=False), tmp_path / "style.png"


def blended(stylise_frame, source, size):
    """Every frame of `source` through FrameWork with the temporal blend, as arrays."""
    work, container = FrameWork(stylise_frame, TemporalBlend(0.8), size), open_video(source)[0]
    with container:
        return [work(frame) for frame in container.decode(video=0)]


@pytest.mark.slow
def test_frames_styled_as_batch_items_blend_exactly_like_one_loop(clip, tmp_path):
    source, style = clip
    args = parse("video", source, "-o", tmp_path / "out.mp4", "--style", style, "--iterations", "2",
                 "--size", "32", "--strength", "0.7", "--workers", "2", "--threads", "1")
    work = tmp_path / "out.mp4.frames"
    frames = bv.extract_frames(source, work / "in", 32)
    assert len(frames) == 4 and bv.style_frames(args, frames, work)
    settings = bv.frame_settings(args, 32)

    def one_loop(x):  # what `video --style` did before: optimise each frame where it is decoded
        out = images.to_tensor(stylize(images.to_image(x), [str(style)], settings))
        return (0.7 * out + 0.3 * x).clamp(0, 1)
    expected = blended(one_loop, source, 32)
    got = blended(bv.StyledFrames([work / "styled" / f.name for f in frames], 0.7), source, 32)
    assert all(np.array_equal(a, b) for a, b in zip(expected, got)) and len(got) == 4


def test_style_video_writes_every_frame_and_resumes(clip, tmp_path, capsys):
    source, style = clip
    argv = ["video", source, "-o", tmp_path / "out.mkv", "--style", style, "--iterations", "2", "--size", "32",
            "--workers", "1"]
    work = tmp_path / "out.mkv.frames"
    frames = bv.extract_frames(source, work / "in", 32)
    args = parse(*argv)
    first = bv.style_frames(args, frames[:2], work)  # as if stopped after two frames
    assert first and len(list((work / "styled").glob("0*.png"))) == 2
    args = parse(*argv)
    assert args.func(args) == 0
    assert "frames: 2 done, 2 already done, 0 failed (of 4)" in capsys.readouterr().out
    with av.open(str(tmp_path / "out.mkv")) as c:
        v = c.streams.video[0]
        assert sum(1 for _ in c.decode(v)) == 4 and (v.width, v.height) == (48, 32)
    assert not work.exists()  # the frames folder goes once the video is written


def test_ray_flag_is_for_optimised_frames_only(clip, tmp_path):
    from brushwork.errors import BrushworkError

    args = parse("video", clip[0], "-o", tmp_path / "o.mp4", "--model", tmp_path / "m.pt", "--ray")
    with pytest.raises(BrushworkError, match="--style"):
        args.func(args)
