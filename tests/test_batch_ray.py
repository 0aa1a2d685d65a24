"""`brushwork batch --ray` on a local Ray with 2 CPUs: the same images as a local batch with the same
settings and seed, a failing item recorded while the rest finish, and a re-run that skips what is
done. Skipped when Ray is not installed (CI installs the brushwork[ray] extra)."""
import json
from pathlib import Path

import pytest

from brushwork import cli
from test_batch import QUICK, album, fast_model, pngs  # noqa: F401  (album, fast_model: fixtures)

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

pytestmark = pytest.mark.slow  # every test here starts a local Ray


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def run(album, out, *extra):
    return cli.main(["batch", str(album / "in"), "-s", str(album / "styles"), "-o", str(album / out),
                     "--weights", str(album / "vgg19.pth"), *QUICK, *extra])


def test_ray_batch_matches_local_records_failures_and_resumes(local_ray, album, capsys):  # noqa: F811
    assert run(album, "local", "--workers", "1", "--threads", "1") == 1
    assert run(album, "ray", "--ray", "--num-cpus", "1", "--actors", "2") == 1  # the broken file fails
    assert "6 done, 0 already done, 2 failed (of 8)" in capsys.readouterr().out  # the rest finish
    local, remote = pngs(album / "local"), pngs(album / "ray")
    assert [p.name for p in local] == [p.name for p in remote] and len(remote) == 6
    for a, b in zip(local, remote):
        assert a.read_bytes() == b.read_bytes(), f"{b.name} differs from the local batch"
    rows = [json.loads(line) for line in (album / "ray" / "results.jsonl").read_text().splitlines()]
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 2 and all("broken.png" in r["input"] and "not an image" in r["error"] for r in failed)

    stamps = {p: p.stat().st_mtime_ns for p in remote}
    assert run(album, "ray", "--ray") == 1
    assert "0 done, 6 already done, 2 failed (of 8)" in capsys.readouterr().out
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())
    assert len((album / "ray" / "results.jsonl").read_text().splitlines()) == len(rows) + 2  # failed retried


def test_a_worker_that_cannot_load_its_model_fails_every_item_with_the_reason(local_ray, album, capsys):  # noqa: F811
    (album / "vgg19.pth").write_bytes(b"not weights")
    assert run(album, "bad", "--ray") == 1
    rows = [json.loads(line) for line in (Path(album) / "bad" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 8 and all("could not load its model" in r["error"] for r in rows)


def test_fast_model_on_ray_matches_local(local_ray, album, fast_model):  # noqa: F811
    (album / "in" / "broken.png").unlink()
    for out, extra in (("local", ["--workers", "1", "--threads", "1"]), ("ray", ["--ray", "--actors", "2"])):
        assert cli.main(["batch", str(album / "in"), "--model", str(fast_model), "-o", str(album / out),
                         "--size", "32", "--runtime", "torch", "-q", *extra]) == 0
    local, remote = pngs(album / "local"), pngs(album / "ray")
    assert len(remote) == 3 and [p.read_bytes() for p in local] == [p.read_bytes() for p in remote]


def test_style_video_frames_on_ray(local_ray, tmp_path):
    av = pytest.importorskip("av")
    from conftest import stripes_image
    from test_fast_video import make_video

    stripes_image().save(tmp_path / "style.png")
    source = make_video(tmp_path / "in.mp4", frames=3, size=(40, 24), audio=False)
    assert cli.main(["video", str(source), "-o", str(tmp_path / "out.mp4"), "--style", str(tmp_path / "style.png"),
                     "--iterations", "2", "--ray"]) == 0
    with av.open(str(tmp_path / "out.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 3
