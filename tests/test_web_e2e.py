"""End to end: the studio page in a real headless Chromium (Selenium + Debian's chromium and
chromium-driver) against a real server running the real engine on tiny generated images.
Skips cleanly when the browser, its driver or the web extras are missing.
Set BRUSHWORK_E2E_SHOTS=DIR to keep screenshots of the page mid-run and at the end."""
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
DRIVER = shutil.which("chromedriver")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slowed_stylize(*args, progress=None, **kw):
    """The real engine, each step reported a little late so the page can be seen mid-run."""
    from brushwork import stylize

    def report(p):
        time.sleep(0.1)
        progress(p)
    return stylize(*args, progress=report, **kw)


@pytest.fixture
def server(tmp_path):
    import uvicorn

    from brushwork.web import create_app
    port = free_port()
    config = uvicorn.Config(create_app(tmp_path / "studio", runner=slowed_stylize), host="127.0.0.1", port=port,
                            log_level="warning", timeout_graceful_shutdown=1)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="brushwork-e2e-")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def images(tmp_path):
    y, x = np.mgrid[0:60, 0:80] / 80.0
    photo = np.stack([x, y, 1 - x * y], -1) * 220
    photo[(x - 0.5) ** 2 + (y - 0.35) ** 2 < 0.02] = (250, 230, 80)
    band = ((np.arange(48)[:, None] + np.arange(48)[None]) // 4) % 3
    paint = np.array([[20, 40, 120], [240, 200, 40], [200, 60, 30]])[band]
    paths = tmp_path / "photo.png", tmp_path / "painting.png"
    Image.fromarray(photo.astype(np.uint8)).save(paths[0])
    Image.fromarray(paint.astype(np.uint8)).save(paths[1])
    return paths


def shot(driver, name):
    folder = os.environ.get("BRUSHWORK_E2E_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        size = driver.get_window_size()
        driver.execute_script("window.scrollTo(0, 0)")
        driver.set_window_size(size["width"], driver.execute_script("return document.documentElement.scrollHeight") + 120)
        time.sleep(0.3)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
        driver.set_window_size(size["width"], size["height"])


def wait_for(driver, script, timeout=180, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; page says: {driver.find_element('id', 'run-sub').text}")


def set_field(driver, name, value):
    field = driver.find_element("id", f"f-{name}")
    group = driver.execute_script("return arguments[0].closest('details')", field)
    if group is not None and not group.get_attribute("open"):
        summary = group.find_element("tag name", "summary")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
        summary.click()  # open its settings group, as a user would
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.clear()
    field.send_keys(value)


def test_upload_run_watch_progress_and_get_the_result(server, browser, images):
    by_id = lambda i: browser.find_element("id", i)  # noqa: E731
    browser.get(server + "/")
    wait_for(browser, "return document.querySelectorAll('#groups details').length > 0", 30, "the settings form")
    help_text = browser.find_element("css selector", "[data-field=learning_rate] .help").get_attribute("textContent")
    from dataclasses import fields

    from brushwork import Settings
    lr = next(f for f in fields(Settings) if f.name == "learning_rate")
    assert lr.metadata["help"] in help_text and f"default: {lr.default:g}" in help_text  # from the schema
    by_id("content-input").send_keys(str(images[0]))
    by_id("style-input").send_keys(str(images[1]))
    assert by_id("content-name").text == "photo.png"
    assert "painting.png" in by_id("style-list").text
    set_field(browser, "size", "64")
    set_field(browser, "iterations", "24")
    set_field(browser, "preview_every", "3")
    by_id("start").click()

    # progress arrives: the iteration counter moves, curves get points, a preview shows
    wait_for(browser, "const m = document.getElementById('run-sub').textContent.match(/Iteration (\\d+) \\/ 24/);"
                      "return m && +m[1] > 0 && +m[1] < 24", 180, "progress mid-run")
    wait_for(browser, "return document.getElementById('preview').src.startsWith('data:image/jpeg')", 60, "a preview")
    shot(browser, "e2e-mid-run")
    assert by_id("run-status").text.lower() == "running"

    wait_for(browser, "return document.getElementById('run-status').textContent === 'done'", 300, "the job to finish")
    wait_for(browser, "const i = document.getElementById('result-image'); return i && i.complete && i.naturalWidth > 0",
             30, "the result image")
    assert browser.execute_script("return document.getElementById('result-image').naturalWidth") == 64
    assert "Iteration 24 / 24" in by_id("run-sub").text
    legend = by_id("legend").text
    assert "content" in legend and "style" in legend and any(c.isdigit() for c in legend)
    assert by_id("download").get_attribute("href").endswith("/result")
    wait_for(browser, "return document.querySelector('.job[data-status=done]')", 30, "the history card")
    shot(browser, "e2e-done")

    by_id("use-content").click()
    wait_for(browser, "return document.getElementById('content-name').textContent.startsWith('brushwork-')", 30,
             "the result as new content")


# --- issue 11: other origins, sandboxed frames, DNS rebinding, fresh-studio buttons, mobile ---------
def api(base, path, method="GET", body=None, headers=None):
    import json
    import urllib.error
    import urllib.request
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def multipart(files: dict) -> tuple:
    boundary = "brushworke2eboundary"
    parts = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{k}.png"\r\n'
                     f"Content-Type: image/png\r\n\r\n".encode() + v + b"\r\n" for k, v in files.items())
    parts += f'--{boundary}\r\nContent-Disposition: form-data; name="settings"\r\n\r\n' \
             f'{{"size": 48, "iterations": 400}}\r\n--{boundary}--\r\n'.encode()
    return parts, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.fixture
def recorded(server):
    """The studio of `server`, with every (method, path, status, origin) it answered recorded."""
    import urllib.parse
    port = urllib.parse.urlparse(server).port
    seen = []
    from brushwork.web import guard

    real = guard.Guard.__call__

    async def recording(self, scope, receive, send):
        async def spy(message):
            if message["type"] == "http.response.start":
                origin = dict(scope.get("headers") or []).get(b"origin", b"").decode()
                seen.append((scope["method"], scope["path"], message["status"], origin))
            await send(message)
        return await real(self, scope, receive, spy)
    guard.Guard.__call__ = recording
    yield server, port, seen
    guard.Guard.__call__ = real


EVIL = """<!doctype html><title>loading</title><body><script>
const studio = "STUDIO", job = "JOB";
const png = Uint8Array.from(atob("PNG64"), (c) => c.charCodeAt(0));
async function attack(label) {
  const form = new FormData();
  form.append("content", new Blob([png], {type: "image/png"}), "a.png");
  form.append("styles", new Blob([png], {type: "image/png"}), "b.png");
  const go = (path, method, body) => fetch(studio + path, {method, body, mode: "no-cors"}).catch(() => null);
  await go("/api/jobs", "POST", form);
  await go(`/api/jobs/${job}/cancel`, "POST");
  await go(`/api/jobs/${job}`, "DELETE");
  return label;
}
FRAME
</script></body>"""
PAGE_SCRIPT = 'attack("page").then(() => { document.title = document.title + " page"; });'
FRAME_SCRIPT = ('const f = document.createElement("iframe"); f.sandbox = "allow-scripts";'
                'f.srcdoc = "<script>" + attack.toString().replace(/studio/g, JSON.stringify(studio))'
                '.replace(/job\\b/g, JSON.stringify(job)).replace(/\\bpng\\b/g, "Uint8Array.from(atob(\'" + '
                '"PNG64" + "\'), (c) => c.charCodeAt(0))") + ";attack(\'frame\').then(() => parent.postMessage(\'done\', \'*\'))'
                '<" + "/script>"; addEventListener("message", () => { document.title = document.title + " frame"; });'
                'document.body.append(f);')


def serve_folder(folder):
    import functools
    import http.server
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def test_pages_elsewhere_and_sandboxed_frames_cannot_create_cancel_or_delete(recorded, browser, images, tmp_path):
    import base64
    server, port, seen = recorded
    photo, paint = images[0].read_bytes(), images[1].read_bytes()
    body, headers = multipart({"content": photo, "styles": paint})
    status, job = api(server, "/api/jobs", "POST", body, headers)
    assert status == 201
    wait_for_status = time.monotonic() + 60
    while api(server, f"/api/jobs/{job['id']}")[1]["status"] != "running" and time.monotonic() < wait_for_status:
        time.sleep(0.1)
    png64 = base64.b64encode(photo).decode()
    evil = tmp_path / "evil"
    evil.mkdir()
    page = EVIL.replace("FRAME", PAGE_SCRIPT + FRAME_SCRIPT).replace("STUDIO", server).replace("JOB", job["id"])
    (evil / "evil.html").write_text(page.replace("PNG64", png64))
    httpd = serve_folder(evil)
    try:
        browser.get(f"http://127.0.0.1:{httpd.server_address[1]}/evil.html")
        wait_for(browser, "return document.title.includes('page') && document.title.includes('frame')", 60,
                 "the attacking page and frame")
    finally:
        httpd.shutdown()
    refusals = [(m, p, o) for m, p, s, o in seen if s == 403]
    assert ("POST", "/api/jobs", "null") in refusals  # the sandboxed frame's requests arrived and were refused
    assert ("POST", "/api/jobs", f"http://127.0.0.1:{httpd.server_address[1]}") in refusals
    assert ("POST", f"/api/jobs/{job['id']}/cancel", "null") in refusals
    assert not [s for s in seen if s[3] and s[2] < 400]  # nothing from another origin succeeded
    listed = api(server, "/api/jobs")[1]
    assert [j["id"] for j in listed["jobs"]] == [job["id"]] and listed["jobs"][0]["status"] == "running"
    assert api(server, f"/api/jobs/{job['id']}/cancel", "POST")[0] == 200


def test_a_dns_rebinding_name_cannot_read_the_studio(server, tmp_path):
    from selenium.webdriver.chrome.service import Service
    port = server.rsplit(":", 1)[1]
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP rebind.test 127.0.0.1"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        driver.get(f"http://rebind.test:{port}/api/jobs")  # what a rebinding page would read as same-origin
        text = driver.find_element("tag name", "body").text
        assert "rebind.test" in text and "does not answer" in text and '"jobs"' not in text
        driver.get(f"http://localhost:{port}/api/jobs")
        assert '"jobs"' in driver.find_element("tag name", "body").text
    finally:
        driver.quit()


ERRORS = ("window.__errors = []; addEventListener('error', (e) => __errors.push(String(e.message)));"
          "addEventListener('unhandledrejection', (e) => __errors.push(String(e.reason)));")


def test_fresh_studio_buttons_throw_nothing(server, browser):
    browser.get(server + "/")
    wait_for(browser, "return document.querySelectorAll('#groups details').length > 0", 30, "the settings form")
    browser.execute_script(ERRORS)
    assert not browser.find_element("id", "rerun").is_displayed()  # no job: no result actions
    for button in ("use-content", "load-settings", "rerun"):
        browser.execute_script(f"document.getElementById('{button}').click()")
    time.sleep(1)
    assert browser.execute_script("return window.__errors") == []


def test_on_a_phone_the_run_title_is_not_under_the_top_bar(server, browser, images):
    browser.set_window_size(390, 844)
    browser.get(server + "/")
    wait_for(browser, "return document.querySelectorAll('#groups details').length > 0", 30, "the settings form")
    browser.find_element("id", "content-input").send_keys(str(images[0]))
    browser.find_element("id", "style-input").send_keys(str(images[1]))
    set_field(browser, "size", "32")
    set_field(browser, "iterations", "40")
    browser.execute_script("document.getElementById('start').scrollIntoView({block: 'center'})")
    browser.find_element("id", "start").click()
    wait_for(browser, "return document.getElementById('run-status').textContent !== ''", 60, "the job to open")
    time.sleep(1.5)  # the smooth scroll to the run panel
    title, bar = browser.execute_script(
        "return [document.getElementById('run-title').getBoundingClientRect().top,"
        " document.querySelector('.topbar').getBoundingClientRect().bottom]")
    assert title >= bar, f"run title at {title}px is under the top bar ending at {bar}px"
