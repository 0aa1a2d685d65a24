"""`brushwork batch` run locally: planning (folders, globs, manifests, names), the results manifest,
resuming, a bad image among good ones, the fast-model recipe, worker processes, and a kill -9
midway. Tiny random VGG weights and 48 px images keep each run to seconds."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import cli
from brushwork.batch.plan import cross, expand, output_name, plan, read_manifest
from brushwork.batch.plan import Item
from brushwork.batch.results import Results, is_done
from brushwork.errors import BrushworkError
from conftest import gradient_image, stripes_image, tiny_vgg_state

QUICK = ["--size", "40", "--iterations", "3", "--backbone", "vgg19", "-q"]


@pytest.fixture
def album(tmp_path):
    """Three photos (one in a subfolder), one damaged file, two styles and tiny VGG-19 weights."""
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for i in range(2):
        gradient_image(seed=i).save(tmp_path / "in" / f"photo{i}.png")
    gradient_image(seed=7).save(tmp_path / "in" / "sub" / "photo2.jpg")
    (tmp_path / "in" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    (tmp_path / "styles").mkdir()
    stripes_image().save(tmp_path / "styles" / "stripes.png")
    stripes_image(seed=2).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(tmp_path / "styles" / "flipped.png")
    torch.save(tiny_vgg_state("vgg19"), tmp_path / "vgg19.pth")
    return tmp_path


def batch(album, *extra, out="out"):
    return cli.main(["batch", str(album / "in"), "-s", str(album / "styles" / "stripes.png"), "-o",
                     str(album / out), "--weights", str(album / "vgg19.pth"), *QUICK, *map(str, extra)])


def pngs(folder) -> list:
    return sorted(p for p in Path(folder).glob("*.png") if not p.name.startswith("."))


def records(path) -> list:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_expand_takes_files_folders_and_globs_once_each(album):
    found = expand([album / "in", str(album / "in" / "*.png"), album / "in" / "photo0.png"])
    assert [p.name for p in found] == ["broken.png", "photo0.png", "photo1.png", "photo2.jpg"]
    with pytest.raises(BrushworkError, match="not found"):
        expand([album / "nowhere"])
    with pytest.raises(BrushworkError, match="no input images"):
        expand([str(album / "*.gif")])


def test_output_names_are_stable_and_differ_when_the_work_differs():
    a = output_name("/x/cat.png", "/y/wave.jpg", {"iterations": 3}, ".png")
    assert a == output_name("/x/cat.png", "/y/wave.jpg", {"iterations": 3, "preview_every": 5}, ".png")
    assert a.startswith("cat_wave_") and a.endswith(".png")
    others = {output_name("/x/cat.png", "/y/wave.jpg", {"iterations": 4}, ".png"),
              output_name("/z/cat.png", "/y/wave.jpg", {"iterations": 3}, ".png"),
              output_name("/x/cat.png", "/y/wave2.jpg", {"iterations": 3}, ".png")}
    assert a not in others and len(others) == 3


def test_manifest_rows_csv_and_jsonl_with_settings_and_relative_paths(tmp_path):
    (tmp_path / "m.csv").write_text("content,style,iterations\na.png,s.png,7\nb.png,,\n")
    rows = read_manifest(tmp_path / "m.csv")
    assert rows[0] == ("m.csv line 2", str(tmp_path / "a.png"), str(tmp_path / "s.png"), {"iterations": "7"})
    assert rows[1][2] is None and rows[1][3] == {}
    (tmp_path / "m.jsonl").write_text('{"content": "/abs/c.png", "style": "s.png", "settings": {"seed": 3}}\n')
    assert read_manifest(tmp_path / "m.jsonl")[0][1:] == ("/abs/c.png", str(tmp_path / "s.png"), {"seed": 3})
    (tmp_path / "bad.jsonl").write_text('{"content": "a.png"}\nnot json\n')
    with pytest.raises(BrushworkError, match="bad.jsonl line 2 is not JSON"):
        read_manifest(tmp_path / "bad.jsonl")


def test_plan_names_the_row_with_bad_settings(tmp_path):
    from brushwork.settings import Settings

    make = lambda o: Settings.from_dict(o).to_dict()  # noqa: E731
    items = plan(cross(["/a.png", "/b.png"], ["/s.png"]), tmp_path, make)
    assert len(items) == 2 and items[0].output != items[1].output
    with pytest.raises(BrushworkError, match="m.csv line 3: unknown setting 'iteratons'"):
        plan([("m.csv line 3", "/a.png", "/s.png", {"iteratons": "5"})], tmp_path, make)


def test_results_ignore_a_torn_last_line_and_append_after_it(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"output": "a.png", "status": "ok"}\n{"output": "b.png", "sta')
    results = Results(path)
    assert list(results.load()) == ["a.png"]
    results.append({"output": "c.png", "status": "failed"})
    results.close()
    assert list(Results(path).load()) == ["a.png", "c.png"]


def test_a_record_counts_as_done_only_for_the_same_work(tmp_path):
    out = tmp_path / "a.png"
    out.write_bytes(b"an image")
    item = Item("c.png", "s.png", str(out), {"iterations": 3})
    record = {"input": "c.png", "style": "s.png", "output": str(out), "settings": {"iterations": 3}, "status": "ok"}
    assert is_done(record, item)
    assert not is_done({**record, "settings": {"iterations": 4}}, item)  # e.g. a video frame re-run
    assert not is_done({**record, "style": "other.png"}, item)
    assert not is_done({**record, "status": "failed"}, item)
    out.unlink()
    assert not is_done(record, item)


@pytest.mark.slow
def test_batch_records_a_bad_image_finishes_the_rest_and_resumes(album, capsys):
    assert batch(album) == 1  # the broken file fails the batch ...
    out = album / "out"
    first = records(out / "results.jsonl")
    assert sorted(r["status"] for r in first) == ["failed", "ok", "ok", "ok"]  # ... but not the others
    bad = next(r for r in first if r["status"] == "failed")
    assert "broken.png" in bad["input"] and "not an image" in bad["error"]
    for r in first:
        assert r["settings"]["iterations"] == 3 and r["seconds"] >= 0 and r["style"].endswith("stripes.png")
        if r["status"] == "ok":
            with Image.open(r["output"]) as im:
                assert max(im.size) == 40
    assert "3 done, 0 already done, 1 failed (of 4)" in capsys.readouterr().out

    kept = [Path(r["output"]) for r in first if r["status"] == "ok"]
    removed = kept.pop(0)
    removed.unlink()
    stamps = {p: p.stat().st_mtime_ns for p in kept}
    assert batch(album) == 1
    assert "1 done, 2 already done, 1 failed (of 4)" in capsys.readouterr().out  # the missing one and the failed
    again = records(out / "results.jsonl")[len(first):]
    assert sorted((r["status"], r["output"] == str(removed)) for r in again) == [("failed", False), ("ok", True)]
    assert removed.is_file() and all(p.stat().st_mtime_ns == t for p, t in stamps.items())


@pytest.mark.slow
def test_two_worker_processes_give_the_same_images_as_one(album):
    (album / "in" / "broken.png").unlink()
    assert batch(album, "--workers", "1", "--threads", "1", out="one") == 0
    assert batch(album, "--workers", "2", "--threads", "1", out="two") == 0
    one = sorted((album / "one").glob("*.png"))
    assert len(one) == 3
    for p in one:
        assert (album / "two" / p.name).read_bytes() == p.read_bytes()


def test_every_content_in_every_style_and_manifest_settings(album):
    (album / "m.csv").write_text("content,style,seed\nin/photo0.png,styles/stripes.png,5\nin/photo1.png,,\n")
    code = cli.main(["batch", "--manifest", str(album / "m.csv"), "-s", str(album / "styles" / "flipped.png"),
                     "-o", str(album / "out"), "--weights", str(album / "vgg19.pth"), "--format", "jpg", *QUICK])
    assert code == 0
    rows = records(album / "out" / "results.jsonl")
    assert sorted((Path(r["input"]).name, Path(r["style"]).name, r["settings"]["seed"]) for r in rows) == \
        [("photo0.png", "stripes.png", 5), ("photo1.png", "flipped.png", 0)]
    assert all(r["output"].endswith(".jpg") and Path(r["output"]).is_file() for r in rows)


@pytest.fixture
def fast_model(tmp_path):
    from brushwork.fast import checkpoint
    from brushwork.fast.network import build
    from brushwork.fast.settings import TrainSettings

    torch.manual_seed(0)
    return checkpoint.save(tmp_path / "tiny.pt", build("tiny"), TrainSettings(arch="tiny"), 0)


def test_fast_model_recipe_matches_apply(album, fast_model):
    from brushwork.fast.apply import load_runner, stylise_file

    (album / "in" / "broken.png").unlink()
    code = cli.main(["batch", str(album / "in"), "--model", str(fast_model), "-o", str(album / "out"),
                     "--size", "32", "--strength", "0.5", "--runtime", "torch", "-q"])
    assert code == 0
    rows = records(album / "out" / "results.jsonl")
    assert len(rows) == 3 and {r["settings"]["strength"] for r in rows} == {0.5}
    runner, _ = load_runner(fast_model, "torch")
    for r in rows:
        expected = stylise_file(runner, r["input"], album / "expected.png", 32, 0.5)
        assert np.array_equal(np.asarray(Image.open(expected)), np.asarray(Image.open(r["output"])))


@pytest.mark.parametrize("argv, words", [
    (lambda a: ["batch", "-o", str(a / "out")], "give INPUT"),
    (lambda a: ["batch", str(a / "nope"), "-s", str(a / "styles"), "-o", str(a / "out")], "input not found"),
    (lambda a: ["batch", str(a / "in"), "-o", str(a / "out")], "at least one --style"),
    (lambda a: ["batch", str(a / "in"), "-s", str(a / "styles"), "--model", str(a / "vgg19.pth"),
                "-o", str(a / "out")], "not both"),
    (lambda a: ["batch", str(a / "in"), "--model", str(a / "missing.pt"), "-o", str(a / "out")], "model not found"),
    (lambda a: ["batch", str(a / "in"), "-s", str(a / "styles"), "-o", str(a / "vgg19.pth")], "must be a folder"),
])
def test_bad_batch_input_is_one_line_and_exit_2(album, capsys, argv, words):
    assert cli.main(argv(album)) == 2
    err = capsys.readouterr().err
    assert err.startswith("brushwork: error:") and words in err and err.count("\n") == 1


def test_ray_flag_without_ray_says_how_to_install(album, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails as if it were not installed
    assert cli.main(["batch", str(album / "in"), "-s", str(album / "styles"), "-o", str(album / "out"),
                     "--ray"]) == 2
    assert "pip install 'brushwork[ray]'" in capsys.readouterr().err


@pytest.mark.slow
def test_kill_9_midway_then_rerun_loses_nothing_and_leaves_no_corrupt_image(album):
    (album / "in" / "broken.png").unlink()
    for i in range(3, 6):
        gradient_image(seed=i).save(album / "in" / f"more{i}.png")
    out = album / "out"
    argv = [sys.executable, "-m", "brushwork.cli", "batch", str(album / "in"), "-s",
            str(album / "styles" / "stripes.png"), "-o", str(out), "--weights", str(album / "vgg19.pth"),
            "--workers", "1", *QUICK]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(cli.__file__).parents[1]),
                                                         os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(pngs(out)) < 2:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = len(pngs(out))
    assert 2 <= before < 6, "killed midway"
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{before} already done" in done.stdout or f"{before - 1} already done" in done.stdout
    finals = pngs(out)
    assert len(finals) == 6 and not [p for p in out.iterdir() if p.name.startswith(".")]
    last = {r["output"]: r["status"] for r in records(out / "results.jsonl")}
    assert sorted(last) == sorted(str(p) for p in finals) and set(last.values()) == {"ok"}
    for p in finals:
        with Image.open(p) as im:
            im.load()  # a truncated file would raise here
            assert max(im.size) == 40


def test_which_ray_cluster(monkeypatch):
    from brushwork.batch.ray_runner import cluster_address

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.delenv("ADDRESS", raising=False)
    assert cluster_address(None) is None  # a local Ray
    monkeypatch.setenv("ADDRESS", "10.0.0.9:6379")
    assert cluster_address(None) == "10.0.0.9:6379"
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    assert cluster_address(None) == "auto" and cluster_address("10.0.0.5:6379") == "10.0.0.5:6379"
