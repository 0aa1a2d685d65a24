"""Fuzzing (hypothesis): generated command lines for the CLI, and generated settings JSON, images
and multipart forms for the REST API (in process). Whatever comes in, the answer is clean: an
exit code of 0 or 2 with a one-line error, or a JSON error with a 4xx/5xx status the README
lists, and no job folder without its record (or record without its folder)."""
import io
import json
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from brushwork import Settings, engine, images  # noqa: E402
from brushwork.cli import main  # noqa: E402

FUZZ = settings(max_examples=int(os.environ.get("BRUSHWORK_FUZZ_EXAMPLES", 60)), deadline=None, database=None,
                derandomize=True, suppress_health_check=list(HealthCheck))
ODD_NUMBERS = ["nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "0", "-1", "2", "9" * 30, "0x10", "1_0",
               "", " ", "true", "3.5", "-0"]
FIELD_NAMES = [f.name for f in Settings.__dataclass_fields__.values()]


def png_bytes(w=24, h=16, seed=0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def png_header_claiming(w: int, h: int) -> bytes:
    """A PNG whose header claims w x h pixels (a decompression bomb's shape) with almost no data."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


IMAGES = st.one_of(
    st.sampled_from([png_bytes(), png_bytes(1, 1), png_bytes(1, 300), png_bytes()[:60], b"", b"GIF89a",
                     png_header_claiming(100_000, 100_000), png_header_claiming(0, 5), png_header_claiming(1, 1)]),
    st.binary(max_size=300))
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=2**70),
                        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                        st.sampled_from(ODD_NUMBERS + ["vgg19", "block1_1", "conv9_9", "file", "lbfgs"]))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
SETTINGS_JSON = st.one_of(
    st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=5).map(lambda d: json.dumps(d)),
    JSON_VALUES.map(json.dumps),
    st.text(max_size=60),
    st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(['{"iterations": 1e308}', '{"size": true}', '{"seed": NaN}', '{"iterations": -Infinity}']))


# --- the CLI -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-fuzz")
    (folder / "photo.png").write_bytes(png_bytes(40, 30))
    (folder / "broken.png").write_bytes(png_bytes()[:50])
    (folder / "model.pt").write_bytes(b"not a model")
    return folder


def fake_stylize(content, styles, settings=None, progress=None, cancel=None):
    """The engine's input checks without the optimisation."""
    s = settings.validate()
    engine.usable_levels(engine.pyramid(s.size, s.scales), images.load_image(content, "content image").size)
    for style in styles:
        images.load_image(style, "style image")
    return Image.new("RGB", (8, 8))


STYLIZE_FLAGS = ["--size", "--iterations", "--learning-rate", "--style-weight", "--seed", "--quality", "--threads",
                 "--style-scale", "--scales", "--optimizer", "--style-layers", "--style-blend", "--backbone",
                 "--preset", "--init", "--noise-ratio", "--adam-beta1", "--snapshot-every", "--device"]
FAST_FLAGS = ["--size", "--strength", "--threads", "--smoothing", "--iterations", "--runtime"]


def argv_for(command: str, data) -> list:
    paths = ["photo.png", "broken.png", "missing.png", "model.pt", ".", "", "out.png", "out.xyz", "nodir/out.png"]
    flags = {"stylize": STYLIZE_FLAGS, "demo": ["--size", "--iterations", "--threads", "-o"],
             "apply": FAST_FLAGS + ["-o"], "video": FAST_FLAGS + ["-o", "--model", "--style"],
             "train": ["--steps", "--image-size", "--learning-rate", "--threads", "--images", "--arch"]}[command]
    positional = data.draw(st.lists(st.sampled_from(paths) | st.text(max_size=12), max_size=3))
    options = data.draw(st.lists(st.tuples(st.sampled_from(flags),
                                           st.sampled_from(ODD_NUMBERS + paths) | st.text(max_size=12)), max_size=4))
    argv = [command, *positional]
    if command in ("stylize", "apply") and data.draw(st.booleans()):
        argv += ["-o", "out.png"]
    for name, value in options:
        argv.append(f"{name}={value}")
    return argv


@FUZZ
@given(data=st.data(), command=st.sampled_from(["stylize", "demo", "apply", "video", "train"]))
def test_cli_answers_any_command_line_cleanly(files, monkeypatch, capsys, data, command):
    monkeypatch.chdir(files)
    monkeypatch.setattr(engine, "stylize", fake_stylize)
    argv = argv_for(command, data)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse: usage errors exit 2, --help 0
        code = e.code
    err = capsys.readouterr().err
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code == 2 and "usage:" not in err:
        assert err.strip().splitlines()[-1].startswith("brushwork: error: "), (argv, err)
    for leftover in files.glob(".*"):
        assert not leftover.name.endswith(".tmp"), leftover


# --- the REST API --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    pytest.importorskip("fastapi")
    pytest.importorskip("multipart")
    from fastapi.testclient import TestClient

    from brushwork.web import create_app

    def instant(content, styles, settings, progress=None, cancel=None):
        return Image.open(content).convert("RGB").resize((8, 8))
    data_dir = tmp_path_factory.mktemp("api-fuzz")
    client = TestClient(create_app(data_dir, runner=instant, max_queue=4, max_upload_bytes=200_000,
                                   max_pixels=1_000_000), base_url="http://127.0.0.1", raise_server_exceptions=False)
    with client:
        yield client, data_dir


CLEAN = {201, 413, 415, 422, 503, 507}


def assert_clean(client, data_dir, response):
    assert response.status_code in CLEAN, (response.status_code, response.text[:300])
    body = response.json()
    if response.status_code != 201:
        assert set(body) == {"error", "status"} and body["status"] == response.status_code
        assert isinstance(body["error"], str) and 0 < len(body["error"]) < 2000
    store = client.app.state.studio.store
    folders = {p.name for p in (data_dir / "jobs").iterdir()}
    records = {j["id"] for j in store.list(limit=-1)}
    assert folders == records, ("orphans", folders ^ records)
    wait_until_idle(store)  # a job still writing its result has a temporary file for a moment
    assert not list((data_dir / "jobs").glob("*/.*.tmp"))


def wait_until_idle(store, timeout=20.0):
    import time
    deadline = time.monotonic() + timeout
    while any(j["status"] in ("queued", "running") for j in store.list(limit=-1)) and time.monotonic() < deadline:
        time.sleep(0.02)


@FUZZ
@given(raw=SETTINGS_JSON, preset=st.sampled_from(["brushwork", "dl4j", "nope"]) | st.text(max_size=50))
def test_api_answers_any_settings_json_cleanly(studio, raw, preset):
    client, data_dir = studio
    files = [("content", ("a.png", png_bytes(), "image/png")), ("styles", ("b.png", png_bytes(seed=1), "image/png"))]
    assert_clean(client, data_dir, client.post("/api/jobs", files=files, data={"settings": raw, "preset": preset}))


@FUZZ
@given(content=st.none() | IMAGES, styles=st.lists(IMAGES, max_size=3), init=st.none() | IMAGES,
       names=st.lists(st.text(max_size=40), min_size=5, max_size=5), extra=st.dictionaries(
           st.sampled_from(["preset", "settings", "bogus", "content"]), st.text(max_size=30), max_size=2),
       init_file=st.booleans())
def test_api_answers_any_multipart_form_cleanly(studio, content, styles, init, names, extra, init_file):
    client, data_dir = studio
    parts = [] if content is None else [("content", (names[0], content, "image/png"))]
    parts += [("styles", (names[i + 1], s, "application/octet-stream")) for i, s in enumerate(styles)]
    if init is not None:
        parts.append(("init", (names[4], init, "image/png")))
    data = dict(extra)
    if init_file:
        data["settings"] = json.dumps({"init": "file", "iterations": 2})
    assert_clean(client, data_dir, client.post("/api/jobs", files=parts or None, data=data or None))


@FUZZ
@given(body=st.binary(max_size=400), content_type=st.sampled_from([
    "multipart/form-data; boundary=x", "multipart/form-data", "application/json", "text/plain", "",
    "multipart/form-data; boundary=" + "b" * 100]))
@pytest.mark.slow
def test_api_answers_any_raw_body_cleanly(studio, body, content_type):
    client, data_dir = studio
    headers = {"Content-Type": content_type} if content_type else {}
    assert_clean(client, data_dir, client.post("/api/jobs", content=body, headers=headers))
