"""The web studio's REST API, in process (FastAPI's TestClient). Most tests replace the engine
with a fake runner so they are fast and can hold a job 'running' as long as they need."""
import argparse
import io
import json
import threading
import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402

from brushwork import Cancelled, Progress  # noqa: E402
from brushwork.web import create_app, service  # noqa: E402
from brushwork.web.jobs import QueueFull  # noqa: E402
from brushwork.web.schema import parse_settings, stored_settings  # noqa: E402
from brushwork.web.store import Store  # noqa: E402
from brushwork.web.uploads import check_image  # noqa: E402


def png(w=48, h=32, seed=0, fmt="PNG") -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, fmt)
    return buf.getvalue()


class FakeRunner:
    """Stands in for brushwork.stylize. While `gate` is clear each step waits for it."""

    def __init__(self, hold=False):
        self.gate = threading.Event()
        if not hold:
            self.gate.set()
        self.started = threading.Event()

    def __call__(self, content, styles, settings, progress=None, cancel=None):
        image = Image.open(content).convert("RGB").resize((24, 16))
        self.started.set()
        for i in range(1, settings.iterations + 1):
            while not self.gate.wait(0.02):
                if cancel.is_set():
                    raise Cancelled(image)
            if cancel.is_set():
                raise Cancelled(image)
            losses = {"content": 1.0 / i, "style": 100.0 / i, "tv": 0.01, "total": 1.0 / i + 100.0 / i + 0.01}
            preview = image if settings.preview_every and i % settings.preview_every == 0 else None
            progress(Progress(i, settings.iterations, 0, 1, losses, preview))
        return image


@pytest.fixture
def make_client(tmp_path):
    clients = []

    def make(runner=None, data_dir=None, **kw):
        kw.setdefault("scorer", lambda result, content, styles: {"content": 0.0})  # scores: see test_web_compare
        app = create_app(data_dir or tmp_path / "data", runner=runner or FakeRunner(), **kw)
        client = TestClient(app, base_url="http://127.0.0.1")  # the studio answers to IPs and localhost
        client.__enter__()
        clients.append((client, runner))
        return client
    yield make
    for client, runner in clients:
        if hasattr(runner, "gate"):
            runner.gate.set()
        stop(client)


def stop(client):
    """Shut the app down (its lifespan ends: workers stop) once."""
    if not getattr(client, "stopped", False):
        client.stopped = True
        client.__exit__(None, None, None)


def submit(client, settings=None, styles=1, content=None, preset="brushwork", **files):
    parts = [("content", ("photo.png", content if content is not None else png(), "image/png"))]
    parts += [("styles", (f"style{i}.jpg", png(40, 40, seed=i + 1, fmt="JPEG"), "image/jpeg")) for i in range(styles)]
    parts += [(k, v) for k, v in files.items()]
    data = {"preset": preset, "settings": json.dumps({"iterations": 4, "preview_every": 2, **(settings or {})})}
    return client.post("/api/jobs", files=parts, data=data)


def wait(client, job_id, statuses=("done", "failed", "cancelled"), timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['status']}")


def refused(response, status, *words):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    for word in words:
        assert word.lower() in body["error"].lower(), body["error"]
    return body["error"]


# --- pages, docs, schema --------------------------------------------------------------------
def test_page_static_files_and_openapi_docs(make_client):
    client = make_client()
    page = client.get("/")
    assert page.status_code == 200 and "brushwork" in page.text and "/static/js/main.js" in page.text
    for path in ("/static/style.css", "/static/js/main.js", "/static/js/form.js", "/static/js/chart.js"):
        assert client.get(path).status_code == 200, path
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/events", "/api/jobs/{job_id}/result"):
        assert path in paths


def test_settings_schema_is_generated_from_the_dataclass(make_client):
    from dataclasses import fields

    from brushwork import PRESETS, Settings
    schema = make_client().get("/api/settings").json()
    by_name = {f["name"]: f for f in schema["fields"]}
    assert list(by_name) == [f.name for f in fields(Settings)]
    for f in fields(Settings):
        assert by_name[f.name]["help"] == f.metadata["help"]
        assert by_name[f.name]["group"] == f.metadata["group"]
    assert by_name["optimizer"]["choices"] == ["adam", "lbfgs"] and by_name["size"]["type"] == "int"
    assert by_name["style_blend"]["type"] == "float-list" and by_name["weights"]["server_only"]
    assert set(schema["presets"]) == set(PRESETS)
    assert schema["presets"]["dl4j"]["backbone"] == "vgg16"
    assert schema["limits"]["max_upload_bytes"] > 0


# --- a job's life ---------------------------------------------------------------------------
def test_job_runs_and_its_result_and_files_can_be_fetched(make_client):
    client = make_client()
    created = submit(client, styles=2, settings={"style_blend": "1,3"})
    assert created.status_code == 201, created.text
    job = wait(client, created.json()["id"])
    assert job["status"] == "done" and job["iteration"] == 4 and len(job["curve"]) == 4
    assert job["settings"]["style_blend"] == [1.0, 3.0] and job["names"]["content"] == "photo.png"
    result = client.get(job["links"]["download"])
    assert result.status_code == 200 and result.headers["content-type"] == "image/png"
    assert "attachment" in result.headers["content-disposition"]
    assert Image.open(io.BytesIO(result.content)).size == (24, 16)
    assert client.get(job["links"]["content"]).status_code == 200
    assert all(client.get(u).headers["content-type"] == "image/jpeg" for u in job["links"]["styles"])
    listed = client.get("/api/jobs").json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]] and listed["total"] == 1
    assert client.get("/api/jobs?status=done").json()["jobs"] and not client.get("/api/jobs?status=failed").json()["jobs"]


def test_progress_stream_sends_state_losses_previews_and_end(make_client):
    runner = FakeRunner(hold=True)
    client = make_client(runner)
    job_id = submit(client, settings={"iterations": 6}).json()["id"]
    assert runner.started.wait(10)
    refused(client.get(f"/api/jobs/{job_id}/preview"), 404, "no preview")
    threading.Timer(0.3, runner.gate.set).start()
    with client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        text = "".join(stream.iter_text())
    events = [block.split("\n", 1) for block in text.strip().split("\n\n") if block.startswith("event:")]
    kinds = [head[len("event: "):] for head, _ in events]
    assert kinds[-1] == "end" and "state" in kinds and "preview" in kinds
    points = [p for head, data in events if head.endswith("progress") for p in json.loads(data[6:])["points"]]
    assert [p["iteration"] for p in points] == [1, 2, 3, 4, 5, 6]
    preview = next(json.loads(d[6:]) for h, d in events if h.endswith("preview"))
    assert preview["image"].startswith("data:image/jpeg;base64,")
    # a finished job's stream tells the whole story at once and ends
    replay = client.get(f"/api/jobs/{job_id}/events").text
    assert "event: progress" in replay and '"status":"done"' in replay and replay.rstrip().endswith('{"status":"done"}')


def test_cancel_a_running_job_keeps_the_image_so_far(make_client):
    runner = FakeRunner(hold=True)
    client = make_client(runner)
    job_id = submit(client).json()["id"]
    assert runner.started.wait(10)
    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    job = wait(client, job_id)
    assert job["status"] == "cancelled" and job["links"]["result"]
    refused(client.post(f"/api/jobs/{job_id}/cancel"), 409, "already finished")


def test_queue_positions_and_cancelling_a_queued_job(make_client):
    runner = FakeRunner(hold=True)
    client = make_client(runner, workers=1)
    first, second, third = (submit(client).json() for _ in range(3))
    assert runner.started.wait(10)
    assert client.get(f"/api/jobs/{second['id']}").json()["position"] == 1
    assert client.get(f"/api/jobs/{third['id']}").json()["position"] == 2
    assert client.post(f"/api/jobs/{second['id']}/cancel").json()["status"] == "cancelled"
    assert client.get(f"/api/jobs/{third['id']}").json()["position"] == 1
    assert client.get("/api/queue").json() == {"workers": 1, "running": 1, "queued": 1, "max_queue": 16}
    runner.gate.set()
    assert wait(client, third["id"])["status"] == "done"


def test_a_full_queue_answers_503_with_a_message(make_client):
    runner = FakeRunner(hold=True)
    client = make_client(runner, max_queue=1)
    submit(client)
    assert runner.started.wait(10)
    assert submit(client).status_code == 201  # waits
    response = submit(client)
    refused(response, 503, "queue is full")
    assert response.headers["retry-after"]
    assert len(client.get("/api/jobs").json()["jobs"]) == 2  # nothing half-stored


def test_rerun_and_delete(make_client):
    client = make_client()
    job = wait(client, submit(client, settings={"size": 96}).json()["id"])
    again = client.post(f"/api/jobs/{job['id']}/rerun")
    assert again.status_code == 201
    rerun = wait(client, again.json()["id"])
    assert rerun["status"] == "done" and rerun["settings"] == job["settings"] and rerun["id"] != job["id"]
    assert client.delete(f"/api/jobs/{job['id']}").json() == {"deleted": job["id"]}
    refused(client.get(f"/api/jobs/{job['id']}"), 404, "no job")
    refused(client.get(job["links"]["content"]), 404)
    assert client.get(rerun["links"]["content"]).status_code == 200  # the copy is its own


def folders(client):
    jobs = client.app.state.studio.store.jobs_dir
    return sorted(p.name for p in jobs.iterdir()) if jobs.is_dir() else []


def test_the_job_service_creates_and_reruns_without_http(make_client):
    client = make_client()
    studio = client.app.state.studio
    uploads = {"content": check_image(png(), "photo.png", "content image", 10**6),
               "style-0": check_image(png(40, 40, seed=1, fmt="JPEG"), "ink.jpg", "style image 1", 10**6)}
    settings = stored_settings(parse_settings("brushwork", '{"iterations": 3}', 1, False))
    job = service.create(studio, "brushwork", settings, uploads)
    assert job["total"] == 3 and job["preset"] == "brushwork" and job["settings"] == settings
    assert job["names"] == {"content": "photo.png", "style-0": "ink.jpg"} and job["sizes"]["content"] == [48, 32]
    assert wait(client, job["id"])["status"] == "done"
    again = service.rerun(studio, job["id"])
    assert again["id"] != job["id"] and again["settings"] == job["settings"] and again["total"] == 3
    assert wait(client, again["id"])["status"] == "done"
    assert client.get(again["links"]["styles"][0]).content == uploads["style-0"].data  # its own copy
    assert folders(client) == sorted([job["id"], again["id"]])


def test_a_full_queue_refuses_creation_and_rerun_with_one_message_and_no_trace(make_client):
    runner = FakeRunner(hold=True)
    client = make_client(runner, max_queue=1)
    first = submit(client).json()["id"]
    assert runner.started.wait(10)
    assert submit(client).status_code == 201  # waits: the queue is full
    before = folders(client)
    created = refused(submit(client), 503, "queue is full")
    response = client.post(f"/api/jobs/{first}/rerun")
    rerun = refused(response, 503, "queue is full")
    assert response.headers["retry-after"]
    with pytest.raises(QueueFull) as queued:
        client.app.state.studio.manager.submit("0" * 16)
    assert created == rerun == str(queued.value) == \
        "the queue is full (1 jobs waiting); try again when a job has finished"
    assert folders(client) == before and client.get("/api/jobs").json()["total"] == 2


def test_a_queue_filled_while_a_rerun_is_stored_leaves_no_trace(make_client, monkeypatch):
    runner = FakeRunner(hold=True)
    client = make_client(runner, max_queue=1)
    first = submit(client).json()["id"]
    assert runner.started.wait(10)
    other, make_room = [], service.make_room

    def another_request_takes_the_last_place(studio, incoming=0):  # after the rerun found room and copied
        monkeypatch.setattr(service, "make_room", make_room)
        other.append(submit(client).json()["id"])
    monkeypatch.setattr(service, "make_room", another_request_takes_the_last_place)
    with pytest.raises(QueueFull, match="queue is full"):
        service.rerun(client.app.state.studio, first)
    assert folders(client) == sorted([first, *other]) and client.get("/api/jobs").json()["total"] == 2


def test_a_running_job_cannot_be_deleted(make_client):
    runner = FakeRunner(hold=True)
    client = make_client(runner)
    job_id = submit(client).json()["id"]
    assert runner.started.wait(10)
    refused(client.delete(f"/api/jobs/{job_id}"), 409, "cancel it first")
    refused(client.get(f"/api/jobs/{job_id}/result"), 409, "no result")


def test_engine_errors_fail_the_job_with_their_message(make_client):
    client = make_client()
    job = wait(client, submit(client, settings={"init": "file"}, init=("start.png", png(), "image/png")).json()["id"])
    assert job["status"] == "done" and job["links"]["init"]

    def broken(*a, **kw):
        from brushwork import BrushworkError
        raise BrushworkError("a 9999x9999 image needs about 80 GiB")
    client = make_client(broken, data_dir=client.app.state.studio.store.root.parent / "other")
    job = wait(client, submit(client).json()["id"])
    assert job["status"] == "failed" and "80 GiB" in job["error"]


# --- refusals -------------------------------------------------------------------------------
def test_uploads_over_the_size_limit_are_refused_before_parsing(make_client):
    client = make_client(max_upload_bytes=100_000)
    big = png(400, 400)  # ~480 KB of noise
    refused(submit(client, content=big), 413, "upload too large", "limit")
    chunks = (b"x" * 50_000 for _ in range(4))  # no Content-Length: counted as it arrives
    refused(client.post("/api/jobs", content=chunks, headers={"content-type": "multipart/form-data; boundary=b"}),
            413, "upload too large")
    assert client.get("/api/queue").status_code == 200  # still serving


def test_non_images_are_refused_by_decoding_not_by_name(make_client):
    client = make_client()
    text = b"This is a text file, not a picture.\n" * 20
    refused(submit(client, content=text), 415, "photo.png", "not an image")
    refused(submit(client, content=png()[:200]), 415, "photo.png", "damaged or truncated")
    refused(submit(client, content=b""), 415, "empty")
    parts = [("content", ("a.png", png(), "image/png")), ("styles", ("notes.jpg", text, "image/jpeg"))]
    refused(client.post("/api/jobs", files=parts), 415, "style image 1", "notes.jpg")
    assert client.get("/api/jobs").json()["total"] == 0


def test_images_with_too_many_pixels_are_refused(make_client):
    client = make_client(max_pixels=1000)
    refused(submit(client), 413, "megapixels", "limit")


@pytest.mark.parametrize("preset, settings, words", [
    ("brushwork", {"iterations": "many"}, ["iterations", "whole number"]),
    ("brushwork", {"stlye_weight": 3}, ["unknown setting", "style_weight"]),
    ("brushwork", {"optimizer": "sgd"}, ["optimizer", "adam"]),
    ("brushwork", {"style_blend": "1,2,3"}, ["1 style image but 3 blend weights"]),
    ("brushwork", {"weights": "/etc/passwd"}, ["weights", "server"]),
    ("brushwork", {"init_image": "../../etc/passwd"}, ["init_image", "upload"]),
    ("brushwork", {"init": "file"}, ["init 'file' needs a starting image"]),
    ("nope", {}, ["unknown preset"]),
])
def test_bad_settings_are_refused_with_a_clear_message(make_client, preset, settings, words):
    refused(submit(make_client(), settings=settings, preset=preset), 422, *words)


def test_missing_or_malformed_form_parts(make_client):
    client = make_client(max_styles=2)
    refused(client.post("/api/jobs", files=[("styles", ("s.png", png(), "image/png"))]), 422, "content")
    refused(client.post("/api/jobs", files=[("content", ("c.png", png(), "image/png"))]), 422, "styles")
    refused(submit(client, styles=3), 422, "at most 2 are accepted")
    files = [("content", ("c.png", png(), "image/png")), ("styles", ("s.png", png(), "image/png"))]
    refused(client.post("/api/jobs", files=files, data={"settings": "{size: 3"}), 422, "JSON object")


@pytest.mark.parametrize("path", [
    "/api/jobs/{id}/files/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/jobs/{id}/files/../../../../etc/passwd",
    "/api/jobs/..%2F..%2Fetc%2Fpasswd/files/content.png",
    "/api/jobs/{id}/files/..%2Fbrushwork.sqlite3",
    "/api/jobs/{id}/files/brushwork.sqlite3",
    "/api/jobs/{id}/files/%2Fetc%2Fpasswd",
    "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/../../../etc/passwd",
    "/api/jobs/{id}/files/content.png%00.txt",
])
def test_no_path_traversal_in_file_routes(make_client, path):
    client = make_client()
    job = wait(client, submit(client).json()["id"])
    response = client.get(path.replace("{id}", job["id"]))
    assert response.status_code == 404 and "root:" not in response.text
    assert response.json()["error"]


def test_store_file_names_are_a_whitelist(tmp_path):
    store = Store(tmp_path)
    job_id = store.new_id()
    store.write_file(job_id, "content.png", png())
    assert store.file(job_id, "content.png") is not None
    for name in ("../brushwork.sqlite3", "content.png/..", "result.PNG", ".content.png.tmp", "/etc/passwd"):
        assert store.file(job_id, name) is None
    assert store.file("../" + job_id, "content.png") is None
    with pytest.raises(ValueError):
        store.write_file(job_id, "../evil.png", b"")


def test_errors_are_json(make_client):
    client = make_client()
    refused(client.get("/nowhere"), 404, "not found")
    refused(client.put("/api/jobs"), 405)
    refused(client.get("/api/jobs?limit=0"), 422, "limit")
    refused(client.get("/api/jobs/0123456789abcdef/result"), 404, "no job")


def test_cross_origin_pages_cannot_create_jobs(make_client):
    client = make_client()
    refused(client.post("/api/jobs", headers={"origin": "http://evil.example"}), 403, "cross-origin")
    assert submit(client).status_code == 201  # no Origin (curl) is fine


# --- restarts -------------------------------------------------------------------------------
def test_jobs_survive_a_restart_and_interrupted_ones_are_not_lost(make_client, tmp_path):
    data = tmp_path / "studio"
    client = make_client(data_dir=data)
    done = wait(client, submit(client).json()["id"])
    stop(client)
    store = Store(data)
    store.create("00000000000000aa", "brushwork", done["settings"], store.get(done["id"])["inputs"], 4)
    store.update("00000000000000aa", status="running")  # the server died while this one ran
    (data / "jobs" / "00000000000000aa").mkdir()
    store.create("00000000000000bb", "brushwork", done["settings"], store.get(done["id"])["inputs"], 4)
    for name in ("content.png", "style-0.jpg"):  # a queued job with its images
        (data / "jobs" / "00000000000000bb" / name).parent.mkdir(exist_ok=True)
        (data / "jobs" / "00000000000000bb" / name).write_bytes((data / "jobs" / done["id"] / name).read_bytes())

    client = make_client(data_dir=data)
    again = client.get(f"/api/jobs/{done['id']}").json()
    assert again["status"] == "done" and len(again["curve"]) == 4
    assert client.get(again["links"]["download"]).status_code == 200
    crashed = client.get("/api/jobs/00000000000000aa").json()
    assert crashed["status"] == "failed" and "server stopped" in crashed["error"]
    assert wait(client, "00000000000000bb")["status"] == "done"  # queued: resumed
    assert client.get("/api/jobs").json()["total"] == 3


def test_a_graceful_stop_puts_the_running_job_back_in_the_queue(make_client, tmp_path):
    runner = FakeRunner(hold=True)
    client = make_client(runner, data_dir=tmp_path / "s")
    job_id = submit(client).json()["id"]
    assert runner.started.wait(10)
    stop(client)
    assert Store(tmp_path / "s").get(job_id)["status"] == "queued"
    client = make_client(data_dir=tmp_path / "s")
    assert wait(client, job_id)["status"] == "done"


# --- the real engine and the command --------------------------------------------------------
@pytest.mark.slow
def test_a_tiny_real_job(make_client, tmp_path):
    client = TestClient(create_app(tmp_path / "real"), base_url="http://localhost")
    with client:
        job = wait(client, submit(client, settings={"size": 64, "iterations": 3, "preview_every": 1}).json()["id"],
                   timeout=300)
        assert job["status"] == "done", job["error"]
        assert max(Image.open(io.BytesIO(client.get(job["links"]["download"]).content)).size) == 64
        assert len(job["curve"]) == 3 and job["losses"]["style"] > 0


def test_serve_command_is_registered_with_safe_defaults():
    from brushwork.web.cli import register, run_serve
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve"])
    assert (args.host, args.port, args.workers, args.func) == ("127.0.0.1", 8000, 1, run_serve)
    args = parser.parse_args(["serve", "--port", "9001", "--data-dir", "/tmp/x", "--workers", "2"])
    assert (args.port, args.data_dir, args.workers) == (9001, "/tmp/x", 2)
