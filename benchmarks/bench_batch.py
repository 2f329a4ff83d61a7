"""Prints how long ``meetcheck batch`` takes, and its peak memory, over a large roster.

Run from the repository root:  python benchmarks/bench_batch.py [--rows 1000 10000]

A loopback HTTPS server (its own process, aiohttp, a certificate from a CA made for the
run) answers every personal link after 50 ms. Each roster row is a distinct speaker with
a JWT link naming them; ``meetcheck batch`` runs as a real process with its default
limits (20 rows at once, 8 per host), every registration and link check on. Targets
(issue 13): 1,000 speakers in at most 15 s and 300 MB peak RSS; 10,000 rows: linear.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DELAY_S = 0.05

SERVER = """
import asyncio, ssl, sys
from aiohttp import web

WELCOME = "<html><body><h1>Welcome</h1><p>Join the meeting.</p></body></html>"

async def join(request):
    await asyncio.sleep(float(sys.argv[3]))
    return web.Response(text=WELCOME, content_type="text/html")

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
app = web.Application()
app.router.add_get("/t/{token}", join)

async def main():
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx, backlog=1024)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def write_roster(path: Path, rows: int, port: int) -> None:
    import secrets

    from tests.support.links import days, make_jwt

    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["delegation", "name", "role", "email", "link", "language"])
        for i in range(rows):
            role = ("primary", "alternate")[i % 2]
            email = f"speaker.{i}@example.org"
            jwt = make_jwt(email=email, exp=days(30)).rsplit(".", 1)[0]
            link = f"https://127.0.0.1:{port}/t/{jwt}.{secrets.token_urlsafe(24)}"
            out.writerow(
                [f"Delegation {i // 2:05d}", f"Speaker {i} Ñúñez", role, email, link, "fr"]
            )


def run_batch(tmp: Path, rows: int, port: int, ca: Path) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MB, exit code) of one ``meetcheck batch``."""
    from tests.support.batch import meeting_file
    from tests.support.helpers import same_code_env

    roster = tmp / f"roster-{rows}.csv"
    write_roster(roster, rows, port)
    meeting = meeting_file(tmp / "m.toml", ["127.0.0.1"])
    env = same_code_env(REQUESTS_CA_BUNDLE=str(ca))
    cmd = [sys.executable, "-m", "meetcheck", "batch", str(roster), "--meeting", str(meeting),
           "--out", str(tmp / f"out-{rows}"), "-q"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(err, file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    from tests.support.certs import make_pki

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pki = make_pki(tmp / "pki")
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(pki.cert), str(pki.key), str(DELAY_S)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            port = int(server.stdout.readline()) if server.stdout else 0
            print(f"loopback HTTPS server on port {port}, {DELAY_S * 1000:.0f} ms per link")
            print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(
                f"{'rows':>7} {'wall s':>8} {'rows/s':>8} {'ms/row':>7} {'CPU s':>7} "
                f"{'CPU ms/row':>10} {'peak RSS MB':>12} exit"
            )
            for rows in args.rows:
                wall, cpu, rss, code = run_batch(tmp, rows, port, pki.ca)
                print(
                    f"{rows:7d} {wall:8.2f} {rows / wall:8.1f} {wall * 1000 / rows:7.2f} "
                    f"{cpu:7.2f} {cpu * 1000 / rows:10.2f} {rss:12.1f} {code:4d}"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("targets: 1,000 rows <= 15 s and <= 300 MB peak RSS; time linear in rows")


if __name__ == "__main__":
    main()
