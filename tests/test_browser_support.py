"""The DevTools helper other browser tests stand on: it must see what a page does."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from support.cdp import CDPError, Chromium

PAGE = """<!doctype html><html lang="en"><title>probe</title>
<button id="b" onclick="document.body.dataset.clicked = 'yes'">press</button>
<script>console.error("from the page"); setTimeout(() => { throw new Error("late") }, 0);</script>
"""


@pytest.fixture(scope="module")
def browser():
    with Chromium() as b:
        yield b


def test_evaluate_click_and_console_errors(browser, tmp_path: Path) -> None:
    page_file = tmp_path / "probe.html"
    page_file.write_text(PAGE, encoding="utf-8")
    page = browser.open(page_file.as_uri())
    assert page.evaluate("document.title") == "probe"
    assert page.evaluate("Promise.resolve(6 * 7)") == 42
    assert not page.evaluate("document.body.dataset.clicked || ''")
    page.click("#b")
    assert page.wait_for("document.body.dataset.clicked") == "yes"
    page.wait_for("true")
    assert any("from the page" in e for e in page.errors)
    page.wait_for(f"{len(page.errors)} >= 1")
    with pytest.raises(CDPError):
        page.evaluate("no_such_name")
    with pytest.raises(CDPError):
        page.click("#missing")
    shot = page.screenshot(tmp_path / "probe.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_uncaught_exception_is_an_error(browser, tmp_path: Path) -> None:
    page_file = tmp_path / "late.html"
    page_file.write_text(PAGE, encoding="utf-8")
    page = browser.open(page_file.as_uri())
    page.wait_for("new Promise(r => setTimeout(() => r(true), 50))")
    assert any(e.startswith("exception:") and "late" in e for e in page.errors)


def test_namespace_cuts_the_browser_off_this_hosts_servers(tmp_path: Path) -> None:
    """In its own namespace the browser's 127.0.0.1 is not ours: our server stays unreached."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(b"reached")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/x"
    try:
        with Chromium() as outside:
            assert outside.open(url).evaluate("document.body.textContent") == "reached"
        with Chromium(netns=True) as inside, pytest.raises(CDPError, match="ERR_CONNECTION"):
            inside.open(url)
    finally:
        server.shutdown()
    assert hits.count("/x") == 1  # only the browser outside the namespace got through
