"""Headless Chromium driven over the DevTools protocol, for tests that need a real browser.

The protocol runs over ``--remote-debugging-pipe`` (file descriptors 3 and 4 of the browser,
NUL-terminated JSON), not a TCP port: so the browser can run inside a network namespace of
its own (``netns=True``: only ``lo``, brought up) and still be driven from outside it, and no
debugging port is ever open. Pages are opened from ``file://`` or from servers inside the same
namespace; either way no packet leaves loopback.

    with Chromium(netns=True) as browser:
        page = browser.open(Path("report.html").as_uri())
        assert page.evaluate("document.title") == "..."
        page.click("th[data-key=name]")
        assert not page.errors

Synchronous on purpose: tests are synchronous, and a reader thread keeps the browser's
events (console messages, exceptions) flowing while a test waits.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

# Flags every test browser gets. ``--no-sandbox`` is needed as root; the rest keep Chromium
# from reaching for Google services (which could only fail here) and from asking for a GPU.
BASE_FLAGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)

# Flags a WebRTC page needs when lo is the only interface (see tests/browser_whep_driver.py
# for why each one is needed).
WEBRTC_FLAGS: tuple[str, ...] = (
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
)


def fake_microphone_flags(wav: Path) -> tuple[str, ...]:
    """Flags that make getUserMedia grant itself and play ``wav`` as the microphone."""
    return (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    )


def chromium_path() -> str:
    """The Chromium binary, or skip the test saying how to get one."""
    path = os.environ.get("MEETCHECK_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        pytest.skip("Chromium not found (apt-get install -y chromium, or set MEETCHECK_CHROMIUM)")
    return path


def can_unshare() -> bool:
    """Whether this process may create a network namespace (root with util-linux)."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(
        ["unshare", "--net", "true"], capture_output=True, timeout=10, check=False
    )
    return probe.returncode == 0


def _above_stdio(fd: int) -> int:
    """``fd`` moved to 10 or above, so moving it to 3 or 4 in the child cannot clobber its pair."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class CDPError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


class Chromium:
    """One headless browser process and its DevTools pipe."""

    def __init__(
        self,
        *,
        flags: tuple[str, ...] | list[str] = (),
        netns: bool = False,
        timeout: float = 30.0,
        window: tuple[int, int] = (1280, 900),
    ) -> None:
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._pending: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._listeners: dict[str | None, list[Any]] = {}
        self._closed = False
        self._profile = tempfile.TemporaryDirectory(prefix="meetcheck-chromium-")
        command = [
            chromium_path(),
            *BASE_FLAGS,
            f"--user-data-dir={self._profile.name}",
            f"--window-size={window[0]},{window[1]}",
            *flags,
            "about:blank",
        ]
        to_browser_r, self._to_browser = map(_above_stdio, os.pipe())
        self._from_browser, from_browser_w = map(_above_stdio, os.pipe())
        # The browser reads commands on fd 3 and writes answers on fd 4: bash moves the pipe
        # ends there (dash cannot name fds above 9; preexec_fn is unsafe beside threads).
        script = 'eval "exec 3<&$1 4>&$2"; shift 2; '
        if netns:
            if not can_unshare():
                pytest.skip("cannot create a network namespace here (needs root and unshare)")
            script += "ip link set lo up || exit 97; "
        script += 'exec "$@"'
        command = ["bash", "-c", script, "bash", str(to_browser_r), str(from_browser_w), *command]
        if netns:
            command = ["unshare", "--net", "--", *command]
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            pass_fds=(to_browser_r, from_browser_w),
            start_new_session=True,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._reader = threading.Thread(target=self._read, daemon=True, name="cdp-reader")
        self._reader.start()
        try:
            self.version = self.send("Browser.getVersion")["product"]
        except Exception:
            self.close()
            raise

    # -- the pipe ---------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                self._dispatch(json.loads(raw))
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            with self._cond:
                self._pending[message["id"]] = message
                self._cond.notify_all()
            return
        for listener in list(self._listeners.get(message.get("sessionId"), [])):
            listener(message["method"], message.get("params", {}))

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and wait for its answer."""
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while ident not in self._pending:
                left = deadline - time.monotonic()
                if self._closed:
                    raise CDPError(f"{method}: the browser exited ({self.stderr_tail()})")
                if left <= 0:
                    raise CDPError(f"{method}: no answer in {timeout or self.timeout:.0f} s")
                self._cond.wait(left)
            answer = self._pending.pop(ident)
        if "error" in answer:
            raise CDPError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def listen(self, session: str | None, listener: Any) -> None:
        self._listeners.setdefault(session, []).append(listener)

    def stderr_tail(self, limit: int = 2000) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-limit:]

    # -- pages ------------------------------------------------------------------------
    def open(self, url: str, *, wait_load: bool = True) -> Page:
        """A new tab showing ``url``; waits for its load event unless told not to."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, target, session)
        page.navigate(url, wait_load=wait_load)
        return page

    def close(self) -> None:
        """End the browser and its whole process group; idempotent."""
        if self.process.poll() is None:
            with contextlib.suppress(Exception):
                os.write(
                    self._to_browser,
                    json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0",
                )
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab: evaluate script, click, wait, screenshot; keeps its console errors."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session
        self.errors: list[str] = []
        self.console: list[tuple[str, str]] = []
        self._loaded = threading.Event()
        browser.listen(session, self._on_event)
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session, **kw)

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Page.loadEventFired":
            self._loaded.set()
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
            )
            self.console.append((params.get("type", ""), text))
            if params.get("type") in ("error", "assert"):
                self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.errors.append(f"exception: {text}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self.errors.append(f"log: {entry.get('text', '')} {entry.get('url', '')}".strip())

    def navigate(self, url: str, *, wait_load: bool = True) -> None:
        self._loaded.clear()
        answer = self.send("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise CDPError(f"navigate {url}: {answer['errorText']}")
        if wait_load and not self._loaded.wait(self.browser.timeout):
            raise CDPError(f"navigate {url}: no load event in {self.browser.timeout:.0f} s")

    def evaluate(self, expression: str, *, timeout: float | None = None) -> Any:
        """The value of ``expression`` (promises awaited), or CDPError on an exception."""
        answer = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"evaluate: {text}")
        return answer.get("result", {}).get("value")

    def wait_for(self, expression: str, *, timeout: float = 10.0, interval: float = 0.05) -> Any:
        """Poll until ``expression`` is truthy; its value, or CDPError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CDPError(f"wait_for {expression!r}: still {value!r} after {timeout:.0f} s")
            time.sleep(interval)

    def click(self, selector: str) -> None:
        """A real mouse click (pressed and released) at the middle of the element."""
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                if (!el) return null;
                el.scrollIntoView({{block: "center"}});
                const r = el.getBoundingClientRect();
                return [r.left + r.width / 2, r.top + r.height / 2];
            }})()"""
        )
        if box is None:
            raise CDPError(f"click: no element matches {selector!r}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def type_text(self, text: str) -> None:
        """Type into the focused element as a keyboard would."""
        self.send("Input.insertText", {"text": text})

    def press(self, key: str) -> None:
        """Press and release one named key (``Enter``, ``Tab``, ``Escape``...) or a character."""
        codes = {"Enter": 13, "Tab": 9, "Escape": 27, " ": 32, "ArrowDown": 40, "ArrowUp": 38}
        params = {"key": key, "windowsVirtualKeyCode": codes.get(key, 0)}
        if key == "Enter":
            params["text"] = "\r"
        elif len(key) == 1:
            params["text"] = key
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", **params})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **params})

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page (beyond the viewport too)."""
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))
        return path
