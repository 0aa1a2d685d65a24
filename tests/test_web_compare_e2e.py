"""The studio's judging tools in a real headless Chromium: scores on the history cards, the
compare view with zoom kept in step, and a dropped result loading its settings into the form.
Uses a fake engine and scorer (the real ones are covered elsewhere). Skips like test_web_e2e."""
import io
import json
import threading
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from test_web_e2e import CHROMIUM, DRIVER, browser, free_port, shot  # noqa: F401
from test_web_api import FakeRunner
from test_web_compare import FakeScorer

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs chromium and chromedriver")]


@pytest.fixture
def studio(tmp_path):
    import uvicorn

    from brushwork.web import create_app
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(tmp_path / "studio", runner=FakeRunner(), scorer=FakeScorer()),
                                        host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)


def post_job(base: str, seed: int) -> str:
    boundary, parts = "brushwork-test", []
    rng = np.random.default_rng(seed)
    for field, name in (("content", "photo.png"), ("styles", "paint.png")):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(buf, "PNG")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                     f'Content-Type: image/png\r\n\r\n'.encode() + buf.getvalue() + b"\r\n")
    for field, value in (("preset", "brushwork"), ("settings", json.dumps({"iterations": 3, "seed": seed}))):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'.encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(base + "/api/jobs", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request) as r:
        return json.loads(r.read())["id"]


def wait_for(driver, script, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_scores_compare_view_and_a_dropped_result(studio, browser, tmp_path):
    ids = [post_job(studio, seed) for seed in (3, 4)]
    for job_id in ids:  # done and scored (the fake scorer is quick)
        deadline = time.monotonic() + 60
        while json.loads(urllib.request.urlopen(f"{studio}/api/jobs/{job_id}").read())["scores"] is None:
            assert time.monotonic() < deadline, f"job {job_id} got no scores"
            time.sleep(0.1)
    browser.get(studio + "/")
    wait_for(browser, "return document.querySelectorAll('.job .scoreline').length === 2 && "
                      "[...document.querySelectorAll('.job .scoreline')].every(n => n.textContent.includes('style'))",
             what="score lines on the history cards")
    wait_for(browser, "return document.querySelector('#scores dd') !== null", what="scores under the open result")
    assert browser.find_element("id", "compare-open").get_attribute("disabled") is not None
    for box in browser.find_elements("css selector", ".job .pick input"):
        box.click()
    browser.find_element("id", "compare-open").click()
    wait_for(browser, "return !document.getElementById('compare').hidden && "
                      "document.querySelectorAll('#cmp-results img').length === 2", what="the compare view")
    rows = browser.execute_script("return [...document.querySelectorAll('#cmp-settings tbody th')].map(n => n.textContent)")
    assert rows == ["seed"]
    assert browser.execute_script("return document.querySelectorAll('#cmp-scores tbody tr').length") == 7
    frame = browser.find_element("css selector", ".cmp-frame")
    browser.execute_script("arguments[0].dispatchEvent(new WheelEvent('wheel', {deltaY: -400, clientX: "
                           "arguments[0].getBoundingClientRect().left + 30, clientY: arguments[0].getBoundingClientRect().top + 30, "
                           "bubbles: true, cancelable: true}))", frame)
    transforms = browser.execute_script("return [...document.querySelectorAll('#cmp-results img')].map(i => i.style.transform)")
    assert len(set(transforms)) == 1 and "scale(1)" not in transforms[0], transforms
    export = browser.find_element("id", "compare-export").get_attribute("href")
    assert export.endswith(f"ids={ids[1]},{ids[0]}") or export.endswith(f"ids={ids[0]},{ids[1]}")
    shot(browser, "compare")
    browser.find_element("id", "compare-close").click()
    result = tmp_path / "from-studio.png"
    result.write_bytes(urllib.request.urlopen(f"{studio}/api/jobs/{ids[0]}/result").read())
    browser.execute_script("document.getElementById('f-seed').value = '0'")
    browser.find_element("id", "recipe-input").send_keys(str(result))
    wait_for(browser, "return document.getElementById('f-seed').value === '3'", what="the dropped result's seed")
    assert browser.find_element("id", "f-iterations").get_attribute("value") == "3"
    shot(browser, "studio-with-scores")
