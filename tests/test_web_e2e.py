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
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)")
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
