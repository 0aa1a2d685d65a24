"""The web studio's loss curve: every term a run reports is stored and served under its own name
(brushwork.terms), jobs stored with the old [iteration, content, style, tv, total, level] points
stay readable, and the chart draws one curve per term with a legend entry each."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402

from brushwork import Progress  # noqa: E402
from brushwork.web import create_app  # noqa: E402
from brushwork.web import curve  # noqa: E402
from brushwork.web.store import Store  # noqa: E402

from test_web_api import png, submit, wait  # noqa: E402

CHART = Path(__file__).parents[1] / "src/brushwork/web/static/js/chart.js"


def terms_runner(content, styles, settings, progress=None, cancel=None):
    """Reports the terms a patch + chroma recipe has, over two scales."""
    for i in range(1, settings.iterations + 1):
        losses = {"content": 2.0 / i, "style": 30.0 / i, "patch": 5.0 / i, "range": 0.0, "chroma_tv": 0.5}
        losses["total"] = sum(losses.values())
        progress(Progress(i, settings.iterations, int(i > 2), 2, losses, None))
    return Image.open(content).convert("RGB")


@pytest.fixture
def client(tmp_path):
    app = create_app(tmp_path / "data", runner=terms_runner, scorer=lambda *a: {"content": 0.0})
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def test_every_reported_term_is_stored_and_served_by_name(client):
    job = wait(client, submit(client).json()["id"])
    assert job["status"] == "done" and [p["iteration"] for p in job["curve"]] == [1, 2, 3, 4]
    assert [p["level"] for p in job["curve"]] == [0, 0, 1, 1]
    assert list(job["curve"][0]["losses"]) == ["content", "style", "patch", "range", "chroma_tv", "total"]
    assert job["curve"][3]["losses"]["patch"] == pytest.approx(1.25)
    assert job["losses"] == job["curve"][-1]["losses"] and "tv" not in job["losses"]
    events = client.get(job["links"]["events"]).text
    progress = json.loads(events.split("event: progress\ndata: ")[1].split("\n")[0])
    assert progress["points"] == job["curve"]


def test_a_job_stored_with_the_old_list_points_stays_readable(client, tmp_path):
    store = Store(tmp_path / "data")
    job_id = store.new_id()
    store.create(job_id, "brushwork", {}, {"content": "content.png", "styles": []}, 3)
    store.update(job_id, status="done", iteration=2, losses={"content": 1.0, "style": 2.0, "tv": 0.1, "total": 3.1},
                 curve=[[1, 2.0, 4.0, 0.2, 6.2], [2, 1.0, 2.0, 0.1, 3.1, 1]])
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["curve"] == [
        {"iteration": 1, "level": 0, "losses": {"content": 2.0, "style": 4.0, "tv": 0.2, "total": 6.2}},
        {"iteration": 2, "level": 1, "losses": {"content": 1.0, "style": 2.0, "tv": 0.1, "total": 3.1}}]
    other = store.new_id()
    store.create(other, "brushwork", {}, {"content": "content.png", "styles": []}, 3)
    store.update(other, status="done", curve=[[1, 1.0, 1.0, 0.0, 5.0]])
    assert curve.series(store.get(other)["curve"], "total") == [(1, 5.0)]


def test_the_chart_makes_one_series_per_term_with_total_last():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    points = [{"iteration": 1, "level": 0, "losses": {"content": 1, "total": 9, "style": 2}},
              {"iteration": 2, "level": 0, "losses": {"content": 1, "style": 2, "chroma_tv": 3, "wobble": 1, "total": 7}}]
    script = (f"import {{ seriesOf }} from {json.dumps(CHART.as_uri())};"
              f"console.log(JSON.stringify(seriesOf({json.dumps(points)})));")
    # chart.js imports util.js, which touches `document` only inside functions, so it loads in node
    out = subprocess.run([node, "--experimental-default-type=module", "--input-type=module", "-e", script],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    series = json.loads(out.stdout)
    assert [s["key"] for s in series] == ["content", "style", "chroma_tv", "wobble", "total"]
    assert [s["label"] for s in series] == ["content", "style", "chroma TV", "wobble", "total"]
    assert len({s["color"] for s in series}) == 5 and series[-1]["dash"] and not series[0]["dash"]
