"""Run the browser self-test in headless Chromium with a known microphone, on loopback only.

Run it inside a fresh network namespace whose only interface is ``lo`` (it refuses to run
anywhere else)::

    unshare --net --pid --fork --kill-child --mount-proc \\
        python tests/selftest_browser_driver.py --wav speech.wav --reports DIR

It brings ``lo`` up, starts the meeting server on 127.0.0.1 (reports into ``--reports``),
starts Chromium through the shared DevTools helper (``tests/support/cdp.py``) with the fake
microphone playing ``--wav``, opens the self-test page (a personal link's with
``--personal``), allows the microphone, presses Start and waits for the verdict in the
page. It prints **one JSON line**: what the page shows and holds (verdict, the getStats()
samples it took, the channels it received), the page's time from Start to verdict, the
stored report's file name and ``/healthz`` afterwards. Exit 0 when the page showed a
verdict, 1 otherwise (the line has ``error``), 2 outside a loopback-only namespace.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from support.cdp import WEBRTC_FLAGS, Chromium, fake_microphone_flags  # noqa: E402


def _loopback_only() -> bool:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=False)
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wav", required=True)
    ap.add_argument("--reports", required=True)
    ap.add_argument("--personal", action="store_true", help="use a personal self-test link")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--keep", action="store_true", help="keep the uploaded audio")
    ap.add_argument("--read-s", type=float, default=6.0, help="pause before Allow")
    ap.add_argument("--lang", default="", help="open the page in this language (?lang=)")
    args = ap.parse_args()
    if not _loopback_only():
        print(json.dumps({"error": "not in a loopback-only network namespace"}))
        return 2

    from meetcheck.server.app import serve_in_thread
    from meetcheck.server.config import ServerConfig

    out: dict = {}
    config = ServerConfig(
        selftest_reports_dir=args.reports, selftest_keep_recordings=args.keep, access_log=False
    )
    with serve_in_thread(config) as server:
        # A delegate arrives long after the server started: let it finish generating the
        # channels' programmes first, which takes both cores for a few seconds.
        deadline = time.monotonic() + 60
        while server._warmup is not None and not server._warmup.done():
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        url = server.base_url + "/selftest"
        if args.personal:
            url = server.demo_link().replace("/join/", "/selftest/")
            out["participant_email"] = server.config.participants[0].email
        if args.lang:
            url += f"?lang={args.lang}"
        flags = (*WEBRTC_FLAGS, *fake_microphone_flags(Path(args.wav)))
        try:
            with Chromium(flags=flags, timeout=args.timeout) as browser:
                page = browser.open(url)
                time.sleep(args.read_s)  # a delegate reads the page before anything else
                out["lang"] = page.evaluate("document.documentElement.lang")
                out["direction"] = page.evaluate("getComputedStyle(document.body).direction")
                out["heading"] = page.evaluate("document.querySelector('h1').textContent")
                page.click("#allow")
                page.wait_for("!document.getElementById('start').disabled", timeout=15)
                out["microphones"] = page.evaluate(
                    "[...document.getElementById('mic').options].map(o => o.text)"
                )
                started = time.monotonic()
                page.click("#start")
                state = page.wait_for(
                    "['done', 'failed'].includes(selftest.state) && selftest.state",
                    timeout=args.timeout,
                )
                out["wall_s"] = round(time.monotonic() - started, 2)
                out["state"] = state
                out["status"] = page.evaluate("document.getElementById('status').textContent")
                out["shown_verdict"] = page.evaluate(
                    "document.getElementById('verdict').textContent"
                )
                out["page"] = page.evaluate(
                    "({samples: selftest.samples, channels: selftest.channels,"
                    " result: selftest.result || null, error: selftest.error || ''})"
                )
                out["report_in_page"] = page.evaluate(
                    "document.getElementById('report').srcdoc.length"
                )
                out["report_head"] = page.evaluate(
                    "document.getElementById('report').srcdoc.slice(0, 400)"
                )
                out["meter_now"] = page.evaluate(
                    "document.getElementById('meter').getAttribute('aria-valuenow')"
                )
                out["page_errors"] = page.errors
        except Exception as exc:  # noqa: BLE001 -- reported in the JSON line
            out["error"] = f"{type(exc).__name__}: {exc}"
        with urllib.request.urlopen(server.base_url + "/healthz", timeout=5) as resp:
            out["health"] = json.loads(resp.read())
        with urllib.request.urlopen(server.base_url + "/", timeout=5) as resp:
            out["index"] = resp.read().decode()
    print(json.dumps(out))
    return 0 if out.get("state") == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
