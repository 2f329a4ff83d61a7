"""Play every WHEP channel of a meeting server in a real headless Chromium, cross-origin.

Run it inside a fresh network namespace whose only interface is ``lo`` (it refuses to run
anywhere else, so no packet can leave loopback)::

    unshare --net --pid --fork --kill-child --mount-proc python tests/browser_whep_driver.py

It brings ``lo`` up itself, starts the meeting server on 127.0.0.1 (one port) and a tiny
page server on 127.0.0.1 (another port: another origin, so CORS is really exercised),
then opens ``browser_player.html`` in Chromium. The page plays each channel over WHEP,
samples ``getStats()``, DELETEs the session and POSTs its findings to ``/result``. The
driver adds what only it can see (the server's access log, ``/healthz`` afterwards, the
interfaces of the namespace), prints **one JSON line** on stdout and exits.

Exit status: 0 when the page reported, 1 when it did not (timeout, Chromium died, page
error; the JSON line then has ``error``), 2 when not in a loopback-only namespace.
Chromium always ends with the driver: it runs in its own process group, which is
terminated (then killed) in a ``finally``; ``--timeout`` (60 s) bounds the run, and a
watchdog thread kills everything 15 s later if even the teardown hangs. ``--pid`` in the
command above is the last resort: when the driver (pid 1 there) dies, so does Chromium.
Plain ``unshare -n python tests/browser_whep_driver.py`` works too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from aiohttp import ClientSession, ClientTimeout, web

HERE = Path(__file__).resolve().parent
PLAYER = HERE / "browser_player.html"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Measured with Chromium 156 in a namespace with only lo (``--omit-flag`` to repeat):
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",  # needed: as root, Chromium exits at once with its sandbox on
    # Hygiene, not needed for the result (it passes without them); they keep the browser
    # from trying to reach Google services, which here could only fail.
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    # Needed: without either of the next two, ICE gathering never completes (the page's
    # offer waits forever). Without the first, WebRTC ignores lo, the only interface;
    # without the second it wants an mDNS name for its host candidate (the page has no
    # camera/microphone permission) and no mDNS responder can work on lo. With both, the
    # browser gathers on the wildcard address (host 0.0.0.0 candidates, which are not
    # signalled, so its offer carries no a=candidate line) and its checks to the server's
    # 127.0.0.1 candidate give it a peer-reflexive 127.0.0.1 candidate: the selected pair
    # is 127.0.0.1 on both ends, as against a real browser whose mDNS names the server
    # cannot resolve.
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    # Needed for the energy figure: the <audio> element's play() is otherwise rejected
    # (NotAllowedError, no gesture) and inbound-rtp totalAudioEnergy/audioLevel stay 0,
    # although packets and samples still arrive.
    "--autoplay-policy=no-user-gesture-required",
)

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


# -- the namespace ---------------------------------------------------------------------
def interfaces() -> list[str]:
    """Interface names of this process's network namespace (netlink, not /sys)."""
    return sorted(name for _, name in socket.if_nameindex())


def bring_loopback_up() -> bool:
    """``ip link set lo up`` without iproute2. Returns whether it had to."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        if flags & IFF_UP:
            return False
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))
        return True


# -- the server's access log -------------------------------------------------------------
class AccessRecorder(logging.Handler):
    """Keeps every access-log line of the meeting server (method, path, status)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = json.loads(record.getMessage())
        except ValueError:
            return
        self.records.append(
            {
                "method": data.get("method"),
                "path": urlsplit(data.get("url", "")).path,
                "status": data.get("status"),
                "ms": data.get("ms"),
            }
        )


# -- the page server ---------------------------------------------------------------------
def page_app(
    result: asyncio.Future[dict[str, Any]], page_log: list[Any], partial: list[Any]
) -> web.Application:
    async def player(request: web.Request) -> web.Response:
        return web.Response(
            text=PLAYER.read_text(encoding="utf-8"),
            content_type="text/html",
            headers={"Cache-Control": "no-store"},
        )

    async def post_result(request: web.Request) -> web.Response:
        data = await request.json()
        if not result.done():
            result.set_result(data)
        return web.json_response({"ok": True})

    async def post_log(request: web.Request) -> web.Response:
        page_log.append(await request.json())
        return web.json_response({"ok": True})

    async def post_partial(request: web.Request) -> web.Response:
        partial.append(await request.json())
        return web.json_response({"ok": True})

    async def favicon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/", player)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_post("/result", post_result)
    app.router.add_post("/log", post_log)
    app.router.add_post("/partial", post_partial)
    return app


# -- Chromium ----------------------------------------------------------------------------
class Chromium:
    """Headless Chromium in its own process group, always terminated by :meth:`stop`."""

    running: ClassVar[set[Chromium]] = set()

    def __init__(self, binary: str, flags: list[str], url: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="meetcheck-chromium-")
        self.log_path = Path(self.profile) / "chromium.log"
        self.argv = [binary, *flags, f"--user-data-dir={self.profile}", url]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches every child
            )
        Chromium.running.add(self)

    def kill_now(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> list[str]:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]

    def stop(self) -> int | None:
        """TERM the whole group, KILL it after 3 s; returns the exit code (None: unknown)."""
        proc = self.proc
        if proc is not None:
            for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # the browser may be gone while helpers of its group linger
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        Chromium.running.discard(self)
        return None if proc is None else proc.returncode

    def cleanup(self) -> None:
        """Remove the temporary profile (after :meth:`stop`)."""
        shutil.rmtree(self.profile, ignore_errors=True)


# -- the hard limit ----------------------------------------------------------------------
WATCHDOG_GRACE = 15.0  # seconds after --timeout for the teardown to finish


def start_watchdog(seconds: float) -> threading.Timer:
    """If the run (teardown included) outlasts ``seconds``, even with the event loop
    wedged: dump every thread's stack, SIGKILL Chromium's group, print an error line and
    ``_exit``. A thread, not SIGALRM: as pid 1 of a pid namespace the driver would not
    receive a signal it has no handler for."""

    def fire() -> None:
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        for browser in list(Chromium.running):
            browser.kill_now()
        line = {"driver": "browser_whep_driver", "error": f"watchdog: stuck after {seconds:g} s"}
        os.write(1, (json.dumps(line) + "\n").encode())
        os._exit(1)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


# -- the run -----------------------------------------------------------------------------
async def run(args: argparse.Namespace, out: dict[str, Any]) -> None:
    from meetcheck.server.app import MeetingServer
    from meetcheck.server.config import ServerConfig

    loop = asyncio.get_running_loop()
    result: asyncio.Future[dict[str, Any]] = loop.create_future()
    page_log: list[Any] = out.setdefault("page_log", [])
    access = AccessRecorder()
    access_logger = logging.getLogger("meetcheck.server.access")
    access_logger.addHandler(access)
    access_logger.setLevel(logging.INFO)
    access_logger.propagate = False

    partial: list[Any] = []
    page_runner = web.AppRunner(page_app(result, page_log, partial), access_log=None)
    await page_runner.setup()
    site = web.TCPSite(page_runner, "127.0.0.1", 0)
    await site.start()
    page_port = page_runner.addresses[0][1]
    page_origin = f"http://127.0.0.1:{page_port}"

    cors = [page_origin] if args.cors == "page" else ["*"]
    config = ServerConfig(
        host="127.0.0.1",
        port=0,
        programme_seconds=5,
        seed=1,
        cors_origins=cors,
        stun=False,  # the page uses no ICE server
    )
    server = MeetingServer(config)
    chromium: Chromium | None = None
    try:
        await server.start()
        assert server.state is not None
        t = time.monotonic()
        await server.state.channels.prepare()
        out["server"] = {
            "base_url": server.base_url,
            "cors_origins": cors,
            "prepare_s": round(time.monotonic() - t, 3),
        }
        channels = (
            args.channels.split(",") if args.channels else list(server.state.channels.sources)
        )
        query = urlencode(
            {
                "server": server.base_url,
                "channels": ",".join(channels),
                "sample_ms": args.sample_ms,
                "unknown": args.unknown,
                "step_timeout_ms": args.step_timeout_ms,
            }
        )
        url = f"{page_origin}/?{query}"
        flags = [f for f in CHROMIUM_FLAGS if f not in args.omit_flag] + list(args.extra_flag)
        out["page_url"] = url
        out["chromium_flags"] = flags
        chromium = Chromium(args.chromium, flags, url)
        t_launch = time.monotonic()
        chromium.start()
        assert chromium.proc is not None
        while not result.done():
            if chromium.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {chromium.proc.returncode}")
            await asyncio.wait([result], timeout=0.2)
        out["browser_s"] = round(time.monotonic() - t_launch, 3)
        out["page"] = result.result()
        async with ClientSession(timeout=ClientTimeout(total=5)) as http:
            async with http.get(server.base_url + "/healthz") as resp:
                out["healthz_after"] = (await resp.json())["sessions"]
        out["access_log"] = list(access.records)
    finally:
        if chromium is not None:
            out["chromium_exit"] = chromium.stop()
            out["chromium_log_tail"] = chromium.log_tail()
            chromium.cleanup()
        out.setdefault("access_log", list(access.records))
        if "page" not in out:
            out["partial"] = partial
        # A failing teardown is reported on its own (the test checks it is empty), so that
        # it neither hides the page's findings nor goes unnoticed.
        errors = out.setdefault("teardown_errors", [])
        for what, step in (("server.stop", server.stop), ("page server", page_runner.cleanup)):
            try:
                await asyncio.wait_for(step(), 10)
            except Exception as exc:  # recorded; the rest of the teardown still runs
                errors.append(f"{what}: {type(exc).__name__}: {exc}")
        access_logger.removeHandler(access)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chromium", default=os.environ.get("MEETCHECK_CHROMIUM", DEFAULT_CHROMIUM))
    p.add_argument("--timeout", type=float, default=60.0, help="hard limit for the whole run")
    p.add_argument("--sample-ms", type=int, default=2000, help="stats window per channel")
    p.add_argument("--step-timeout-ms", type=int, default=10000, help="page: per step")
    p.add_argument("--channels", default="", help="comma-separated (default: all)")
    p.add_argument("--unknown", default="de", help="a channel the server lacks ('' = skip)")
    p.add_argument(
        "--cors",
        choices=("page", "*"),
        default="page",
        help="server.cors_origins: the page's origin only (default), or *",
    )
    p.add_argument("--omit-flag", action="append", default=[], help="drop a default flag")
    p.add_argument("--extra-flag", action="append", default=[], help="add a Chromium flag")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: dict[str, Any] = {"driver": "browser_whep_driver", "pid": os.getpid()}
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    def emit(code: int) -> int:
        print(json.dumps(out, separators=(",", ":")), flush=True)
        return code

    try:
        out["lo_brought_up"] = bring_loopback_up()
    except OSError as exc:
        out["error"] = f"cannot bring lo up: {exc}"
        return emit(2)
    out["interfaces"] = interfaces()
    if out["interfaces"] != ["lo"]:
        out["error"] = (
            "refusing to run: this network namespace has interfaces other than lo "
            f"({', '.join(out['interfaces'])}); run me under `unshare --net`"
        )
        return emit(2)
    if not (os.path.isfile(args.chromium) and os.access(args.chromium, os.X_OK)):
        out["error"] = f"no Chromium at {args.chromium}"
        return emit(1)

    watchdog = start_watchdog(args.timeout + WATCHDOG_GRACE)
    t0 = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(run(args, out), args.timeout))
    except TimeoutError:
        out["error"] = f"no result within the {args.timeout:g} s timeout"
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        watchdog.cancel()
    out["total_s"] = round(time.monotonic() - t0, 3)
    if "error" not in out and "fatal" in out.get("page", {}):
        out["error"] = "page: " + str(out["page"]["fatal"])
    return emit(1 if "error" in out else 0)


if __name__ == "__main__":
    sys.exit(main())
