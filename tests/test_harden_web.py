"""Regression tests for issue 11 (hardening) on the web studio: cross-origin and Host checks,
security headers, settings refused at submission without orphan folders, decoding off the event
loop, retention, the offline docs page and interrupted result writes."""
import json
import threading
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")

from test_web_api import FakeRunner, make_client, png, refused, submit, wait  # noqa: E402,F401

from brushwork.web import routes  # noqa: E402
from brushwork.web.store import Store  # noqa: E402


def job_folders(tmp_path):
    jobs = tmp_path / "data" / "jobs"
    return sorted(p.name for p in jobs.iterdir()) if jobs.is_dir() else []


# --- cross-origin, Host, headers -------------------------------------------------------------
@pytest.mark.parametrize("origin", ["null", "http://evil.example", "http://127.0.0.1:9999", "NULL"])
def test_other_origins_and_sandboxed_frames_cannot_change_jobs(make_client, tmp_path, origin):
    runner = FakeRunner(hold=True)
    client = make_client(runner)
    job = submit(client).json()
    runner.started.wait(10)
    headers = {"Origin": origin}
    refused(client.post("/api/jobs", files=[("content", ("a.png", png())), ("styles", ("b.png", png()))],
                        headers=headers), 403, "cross-origin")
    refused(client.post(f"/api/jobs/{job['id']}/cancel", headers=headers), 403, "cross-origin")
    refused(client.delete(f"/api/jobs/{job['id']}", headers=headers), 403, "cross-origin")
    refused(client.post(f"/api/jobs/{job['id']}/cancel", headers={"Sec-Fetch-Site": "cross-site"}), 403)
    assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "running"
    assert job_folders(tmp_path) == [job["id"]]
    assert client.post(f"/api/jobs/{job['id']}/cancel", headers={"Origin": "http://127.0.0.1"}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "rebind.attacker.test:8000", "127.0.0.1.nip.io"])
def test_unknown_host_names_are_refused_against_dns_rebinding(make_client, host):
    client = make_client()
    submit(client)
    for path in ("/", "/api/jobs", "/api/settings"):
        refused(client.get(path, headers={"Host": host}), 403, "host name")


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "192.168.1.20", "studio.lan:80"])
def test_addresses_localhost_and_allowed_names_are_answered(make_client, host):
    client = make_client(allowed_hosts=["studio.lan"])
    assert client.get("/api/jobs", headers={"Host": host}).status_code == 200


def test_every_answer_forbids_framing_and_sniffing(make_client):
    client = make_client()
    for response in (client.get("/"), client.get("/api/jobs"), client.get("/api/jobs/0000000000000000"),
                     client.post("/api/jobs", headers={"Origin": "null"})):
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


# --- settings refused at submission, no orphans ----------------------------------------------
@pytest.mark.parametrize("raw, words", [
    ('{"iterations": 1e308}', ["iterations"]),
    ('{"iterations": %d}' % 2**63, ["iterations"]),
    ('{"iterations": Infinity}', ["iterations"]),
    ('{"iterations": 20000}', ["iterations", "max-iterations"]),
    ("[" * 100_000 + "]" * 100_000, ["settings"]),
    ('{"size": true}', ["size"]),
    ('{"learning_rate": 1e308}', ["learning_rate"]),
    ('{"backbone": "resnet50"}', ["backbone"]),
    ('{"style_layers": "block1_1,block9_9"}', ["block9_9"]),
    ('{"backbone": "vgg19", "content_layers": "conv9_9"}', ["conv9_9"]),
])
def test_bad_settings_are_422_at_submission_and_leave_nothing(make_client, tmp_path, raw, words):
    client = make_client()
    response = client.post("/api/jobs", files=[("content", ("a.png", png())), ("styles", ("b.png", png()))],
                           data={"settings": raw})
    refused(response, 422, *words)
    assert job_folders(tmp_path) == [] and client.get("/api/jobs").json()["total"] == 0


def test_a_huge_preset_name_is_not_echoed(make_client):
    client = make_client()
    message = refused(submit(client, preset="x" * 900_000), 422, "preset")
    assert len(message) < 300


def test_a_failure_while_storing_leaves_no_folder(make_client, tmp_path, monkeypatch):
    client = make_client()
    job = wait(client, submit(client).json()["id"])
    store = client.app.state.studio.store

    def broken(*args, **kw):
        raise OSError("disk full")
    monkeypatch.setattr(store, "create", broken)
    with pytest.raises(OSError):  # the test client re-raises what the app answers 500 for
        submit(client)
    with pytest.raises(OSError):
        client.post(f"/api/jobs/{job['id']}/rerun")
    assert job_folders(tmp_path) == [job["id"]]


def test_a_malformed_form_is_422_as_documented(make_client):
    client = make_client()
    response = client.post("/api/jobs", content=b"--x\r\nnot a part", headers={
        "Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 422 and response.json()["status"] == 422


# --- decoding off the event loop, bounded --------------------------------------------------
def test_decoding_an_upload_does_not_stall_other_requests(make_client, monkeypatch):
    client = make_client()
    decoding, release, real, stalled = threading.Event(), threading.Event(), routes.check_image, []

    def slow_check(*args):
        decoding.set()
        if not release.wait(5):  # nobody released it: the event loop was blocked by this decode
            stalled.append(True)
        return real(*args)
    monkeypatch.setattr(routes, "check_image", slow_check)
    posted = []
    poster = threading.Thread(target=lambda: posted.append(submit(client)))
    poster.start()
    assert decoding.wait(10)
    queue = client.get("/api/queue")  # answered while the upload is still being decoded
    release.set()
    poster.join(30)
    assert queue.status_code == 200 and not stalled
    assert posted[0].status_code == 201


def test_at_most_decode_threads_images_are_decoded_at_once(make_client, monkeypatch):
    client = make_client(decode_threads=2, max_queue=8)
    lock, now, peak, real = threading.Lock(), [0], [0], routes.check_image

    def counted(*args):
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.2)
        with lock:
            now[0] -= 1
        return real(*args)
    monkeypatch.setattr(routes, "check_image", counted)
    threads = [threading.Thread(target=submit, args=(client,)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert peak[0] == 2


# --- retention ---------------------------------------------------------------------------------
def test_history_keeps_the_newest_finished_jobs(make_client):
    client = make_client(keep_jobs=2)
    ids = []
    for _ in range(4):
        ids.append(submit(client).json()["id"])
        wait(client, ids[-1])
    listed = [j["id"] for j in client.get("/api/jobs").json()["jobs"]]
    assert listed == [ids[3], ids[2], ids[1]]  # the last job, and the two finished ones kept when it came


def test_disk_budget_removes_old_jobs_then_refuses_with_507(make_client, tmp_path):
    runner = FakeRunner(hold=True)
    client = make_client(runner, max_disk_mb=0.05)  # about 50 kB: two jobs of noise PNGs
    big = png(96, 96)
    first = submit(client, content=big).json()["id"]
    runner.started.wait(10)
    client.post(f"/api/jobs/{first}/cancel")
    wait(client, first)
    second = submit(client, content=big).json()["id"]  # fits once the finished first job is removed
    assert first not in job_folders(tmp_path) and second in job_folders(tmp_path)
    refused(submit(client, content=big), 507, "disk budget")  # the live second job fills the budget
    assert job_folders(tmp_path) == [second]


# --- docs, interrupted writes ------------------------------------------------------------------
def test_docs_page_needs_no_network(make_client):
    page = make_client().get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/jobs/{job_id}/events" in page.text and "/openapi.json" in page.text
    assert "<script" not in page.text and "cdn" not in page.text.lower() and "https://" not in page.text


def test_restart_finishes_an_interrupted_result_write_and_drops_temp_files(tmp_path):
    store = Store(tmp_path)
    done, torn = store.new_id(), store.new_id()
    for job_id in (done, torn):
        store.create(job_id, "brushwork", {"iterations": 4}, {"content": "content.png", "styles": []}, 4)
        store.update(job_id, status="running")
        store.write_file(job_id, "content.png", png())
    (store.folder(done) / ".result.png.tmp").write_bytes(png())  # killed before the rename
    (store.folder(torn) / ".result.png.tmp").write_bytes(png()[:40])  # killed mid-write
    (store.folder(torn) / ".content.png.tmp").write_bytes(b"x")
    assert store.recover() == []
    assert store.get(done)["status"] == "done" and store.file(done, "result.png") is not None
    assert store.get(torn)["status"] == "failed" and store.get(torn)["result"] is None
    assert not list(tmp_path.glob("jobs/*/.*.tmp"))
