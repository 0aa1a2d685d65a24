"""The studio's "Inside the network" API on a tiny random VGG (the backbone loader is
replaced), over images of jobs run by a fake engine."""
import base64
import io
import json
import time

import pytest
import torch
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

from brushwork.backbones import create_backbone  # noqa: E402
from brushwork.web import inspect_routes  # noqa: E402
from conftest import tiny_vgg_state  # noqa: E402
from test_web_api import make_client, refused, submit, wait  # noqa: E402,F401


@pytest.fixture
def client(make_client, tmp_path, monkeypatch):
    path = tmp_path / "vgg16-tiny.pth"
    torch.save(tiny_vgg_state("vgg16"), path)
    net = create_backbone("vgg16", str(path))
    net.name = "vgg16"
    monkeypatch.setattr(inspect_routes, "network", lambda name: net)
    return make_client()


@pytest.fixture
def job(client):
    job = submit(client).json()
    return wait(client, job["id"])


def picture(data_url: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))


def test_map_follows_the_form_settings(client):
    r = client.get("/api/inspect/map", params={"preset": "signalpop", "settings": json.dumps(
        {"style_layers": "conv1_1,conv2_1", "style_layer_weights": "1,1", "tv_weight": "3"})})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["backbone"] == "vgg19" and len(body["layers"]) == 37 and body["svg"].startswith("<svg")
    style = [n for n in body["losses"] if n["kind"] == "style"]
    assert [n["layer"] for n in style] == ["conv1_1", "conv2_1"]
    assert [n for n in body["losses"] if n["kind"] == "tv"][0]["weight"] == 3
    assert body["svg"].count('class="layer"') == 37


def test_bad_layers_get_422_listing_the_valid_ones(client, job):
    r = client.get("/api/inspect/map", params={"settings": json.dumps({"content_layers": "block9_9"})})
    refused(r, 422, "unknown layer 'block9_9'", "valid layers: stem, block1_1")
    source = f"{job['id']}/content.png"
    refused(client.get("/api/inspect/maps", params={"source": source, "layer": "relu9_9"}), 422,
            "valid layers: conv1_1, relu1_1")
    refused(client.post("/api/inspect/units", json={"layer": "nope"}), 422, "valid layers")
    refused(client.post("/api/inspect/reconstructions", json={"source": source, "layers": ["nope"]}), 422,
            "valid layers")
    refused(client.get("/api/inspect/maps", params={"source": "0123456789abcdef/content.png", "layer": "relu1_1"}),
            404, "no image")


def test_units_over_a_job_and_over_the_history(client, job):
    other = wait(client, submit(client).json()["id"])
    r = client.post("/api/inspect/units", json={"layer": "relu2_1", "job": job["id"], "units": 3, "patches": 4,
                                                "size": 48})
    assert r.status_code == 200, r.text
    body = r.json()
    images = {p["image"] for u in body["units"] for p in u["patches"]}
    assert images <= {f"{job['id']}/{n}" for n in ("content.png", "style-0.jpg", "result.png")}
    assert picture(body["image"]).size == tuple(body["size"])
    r = client.post("/api/inspect/units", json={"layer": "relu1_1", "units": 2, "patches": 9, "size": 48})
    images = {p["image"].split("/")[0] for u in r.json()["units"] for p in u["patches"]}
    assert images <= {job["id"], other["id"]} and len(r.json()["units"]) == 2


def test_feature_maps_of_a_job_image(client, job):
    r = client.get("/api/inspect/maps", params={"source": job["links"]["content"], "layer": "relu1_2",
                                                "channels": 4, "size": 48})
    assert r.status_code == 200, r.text
    assert len(r.json()["channels"]) == 4 and picture(r.json()["image"]).size == tuple(r.json()["size"])


def test_reconstruction_streams_cells_then_ends(client, job):
    r = client.post("/api/inspect/reconstructions", json={"source": f"{job['id']}/content.png",
                                                          "layers": ["relu2_1", "relu1_1"], "size": 32, "steps": 2})
    assert r.status_code == 201, r.text
    task = r.json()
    events = []
    with client.stream("GET", task["links"]["events"]) as stream:
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    kinds = [e for e, _ in events]
    assert kinds[-1] == "end" and events[-1][1]["status"] == "done"
    cells = [d for e, d in events if e == "cell"]
    assert [(c["kind"], c["layer"]) for c in cells] == [("content", "relu1_1"), ("style", "relu1_1"),
                                                        ("content", "relu2_1"), ("style", "relu2_1")]
    assert picture(cells[0]["image"]).size == tuple(cells[0]["cell"][2:])
    done = client.get(task["links"]["self"], params={"since": 3}).json()
    assert done["status"] == "done" and done["done"] == done["total"] == 8 and len(done["cells"]) == 1


def test_one_reconstruction_at_a_time_and_cancel(client, job):
    body = {"source": f"{job['id']}/content.png", "layers": ["relu1_1"], "size": 32, "steps": 500}
    first = client.post("/api/inspect/reconstructions", json=body).json()
    refused(client.post("/api/inspect/reconstructions", json=body), 503, "already running")
    assert client.post(f"{first['links']['self']}/cancel").status_code == 200
    deadline = time.monotonic() + 30
    while client.get(first["links"]["self"]).json()["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get(first["links"]["self"]).json()["status"] == "cancelled"
    refused(client.post(f"{first['links']['self']}/cancel"), 409, "already finished")
    refused(client.get("/api/inspect/reconstructions/ffffffffffffffff"), 404, "no reconstruction")


def test_the_page_has_the_panel_and_its_script(client):
    page = client.get("/").text
    assert 'id="inside"' in page and "/static/inspect.css" in page
    script = client.get("/static/js/inspect.js")
    assert script.status_code == 200 and "/api/inspect/reconstructions" in script.text
    assert 'from "./inspect.js"' in client.get("/static/js/main.js").text
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/inspect/map", "/api/inspect/units", "/api/inspect/maps", "/api/inspect/reconstructions",
                 "/api/inspect/reconstructions/{task_id}/events"):
        assert path in paths
