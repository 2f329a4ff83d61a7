"""Time from a WHEP POST to the first decoded audio frame, and how many listeners one
server process holds in real time.

Runs ``meetcheck serve`` as a separate process on 127.0.0.1 (so the server has its own
interpreter and event loop, as in production) and aiortc players in this process, all on
loopback only (host candidates 127.0.0.1, no ICE servers).

    python benchmarks/bench_whep.py                 # first-frame latency, 20 runs
    python benchmarks/bench_whep.py --runs 50 --listeners 60 --seconds 20
    python benchmarks/bench_whep.py --runs 5 --churn 1000

First frame: each run opens one player on a channel, measures POST -> 201 answer ->
connected -> first decoded frame, then DELETEs it. "cold" runs hit a channel with no
listener (its source starts on demand); "warm" runs hit a channel that already plays.

Listeners: opens N players spread over the channels, lets them play for ``--seconds``,
then reads each player's inbound RTP statistics (packets received and lost) and the
server's own CPU time (from /proc) and health counters (late frames, skipped frames).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import threading
import time

import requests

from meetcheck.webrtc.client import WhepClient

CHANNELS = ["floor", "ar", "zh", "en", "fr", "ru", "es"]


def start_server(extra: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "meetcheck", "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    base = ""
    for line in proc.stdout:
        m = re.match(r"# meetcheck serve: test meeting at (\S+)/$", line.strip())
        if m:
            base = m.group(1)
            break
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
    if not base:
        proc.kill()
        raise SystemExit("the server did not start")
    return proc, base


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def one_run(base: str, code: str) -> dict[str, float]:
    client = WhepClient(f"{base}/whep/{code}")
    await client.connect()
    try:
        await client.wait_connected(10)
        connected = time.monotonic()
        first = await client.first_frame(10)
        assert client.posted_at is not None and client.answered_at is not None
        return {
            "answer_ms": (client.answered_at - client.posted_at) * 1000,
            "connected_ms": (connected - client.posted_at) * 1000,
            "first_frame_ms": first * 1000,
        }
    finally:
        await client.close()


def summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return (
        f"{name:<16} median {statistics.median(values):7.1f} ms   p90 {p90:7.1f} ms   "
        f"min {values[0]:7.1f}   max {values[-1]:7.1f}   (n={len(values)})"
    )


async def first_frame(base: str, runs: int) -> None:
    # Warm: one listener keeps "floor" playing while we measure on it.
    keeper = WhepClient(f"{base}/whep/floor")
    await keeper.connect()
    await keeper.first_frame(10)
    warm, cold = [], []
    for i in range(runs):
        warm.append(await one_run(base, "floor"))
        # Cold: a channel nobody listens to (sources stop 2 s after their last listener).
        code = CHANNELS[1 + i % (len(CHANNELS) - 1)]
        await asyncio.sleep(0.05)
        cold.append(await one_run(base, code))
    await keeper.close()
    print("POST -> first decoded audio frame (aiortc player, loopback):")
    for label, rows in (("warm channel", warm), ("cold channel", cold)):
        print(f"  {label}:")
        for key in ("answer_ms", "connected_ms", "first_frame_ms"):
            print("    " + summary(key, [r[key] for r in rows]))


async def _hold(base: str, codes: list[str], seconds: float, barrier) -> dict:
    """One client process: connect its players, play through the shared window."""
    clients = [WhepClient(f"{base}/whep/{code}") for code in codes]
    t0 = time.monotonic()
    for c in clients:  # one at a time, as players arrive
        await c.connect()
    await asyncio.gather(*(c.first_frame(60) for c in clients))
    setup = time.monotonic() - t0
    await asyncio.to_thread(barrier.wait)
    frames0, w0 = sum(c.receiver.frames for c in clients), time.monotonic()
    await asyncio.sleep(seconds)
    frames, w1 = sum(c.receiver.frames for c in clients) - frames0, time.monotonic()
    received = lost = 0
    worst = 0.0
    for c in clients:
        assert c.pc is not None
        for stat in (await c.pc.getStats()).values():
            if stat.type == "inbound-rtp":
                got, gone = stat.packetsReceived, max(0, stat.packetsLost)
                received += got
                lost += gone
                worst = max(worst, gone / (got + gone) if got + gone else 0.0)
    await asyncio.to_thread(barrier.wait)
    for c in clients:
        await c.close()
    return {
        "setup": setup,
        "frames": frames,
        "expected": (w1 - w0) * 50 * len(clients),
        "received": received,
        "lost": lost,
        "worst": worst,
    }


def _worker(base: str, codes: list[str], seconds: float, barrier, results) -> None:
    results.put(asyncio.run(_hold(base, codes, seconds, barrier)))


def listeners(base: str, pid: int, count: int, seconds: float, workers: int) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    rss_idle = rss_mb(pid)  # channels warmed by the first-frame runs, no session open
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    codes = [CHANNELS[i % len(CHANNELS)] for i in range(count)]
    procs = [
        ctx.Process(target=_worker, args=(base, codes[w::workers], seconds, barrier, results))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)  # every player is playing
    before = requests.get(base + "/healthz", timeout=5).json()
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    cpu1, wall1 = cpu_seconds(pid), time.monotonic()
    rss = rss_mb(pid)
    after = requests.get(base + "/healthz", timeout=5).json()
    barrier.wait(timeout=120)
    rows = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    received = sum(r["received"] for r in rows)
    lost = sum(r["lost"] for r in rows)
    frames = sum(r["frames"] for r in rows)
    expected = sum(r["expected"] for r in rows)
    late = sum(c["late_frames"] for c in after["channels"].values()) - sum(
        c["late_frames"] for c in before["channels"].values()
    )
    skips = sum(c["skips"] for c in after["channels"].values())
    print(
        f"{count} listeners over {len(CHANNELS)} channels in {workers} client process(es), "
        f"{seconds:.0f} s measured:"
    )
    print(f"  set-up of all players: {max(r['setup'] for r in rows):.1f} s")
    print(f"  server CPU: {100 * (cpu1 - cpu0) / (wall1 - wall0):.0f} % of one core")
    print(
        f"  server RSS: {rss:.0f} MB ({after['sessions']['total']} sessions open), "
        f"{rss_idle:.0f} MB with none: about {1024 * (rss - rss_idle) / count:.0f} KB a session"
    )
    print(
        f"  RTP packets (whole session): {received} received, {lost} lost "
        f"({100 * lost / max(1, received + lost):.2f} %), "
        f"worst player {100 * max(r['worst'] for r in rows):.2f} %"
    )
    print(
        f"  frames decoded by the players in the window: {frames} "
        f"({100 * frames / max(1, expected):.1f} % of real time)"
    )
    print(f"  server frames late by > 20 ms in the window: {late}; skipped ahead: {skips}")


async def churn(base: str, pid: int, total: int, batch: int = 10) -> None:
    """Open and close ``total`` full sessions (connect, first frame, DELETE); print the
    server's RSS as it goes, to show it does not grow."""
    print(f"churn: {total} sessions opened and closed, {batch} at a time")
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    print(f"  server RSS before: {rss_mb(pid):.1f} MB, open file descriptors {fds}")
    done = 0
    t0 = time.monotonic()
    marks = {total // 10, total // 2, total}
    while done < total:
        n = min(batch, total - done)
        await asyncio.gather(
            *(one_run(base, CHANNELS[(done + i) % len(CHANNELS)]) for i in range(n))
        )
        done += n
        if done in marks or done == batch:
            await asyncio.sleep(0.5)
            open_now = requests.get(base + "/healthz", timeout=5).json()["sessions"]["total"]
            fds = len(os.listdir(f"/proc/{pid}/fd"))
            print(
                f"  after {done:5d}: server RSS {rss_mb(pid):6.1f} MB, "
                f"open sessions {open_now}, open file descriptors {fds}"
            )
    print(f"  {total / (time.monotonic() - t0):.1f} sessions per second")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--listeners", type=int, default=0, help="also hold N listeners")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=1, help="client processes for --listeners")
    ap.add_argument("--churn", type=int, default=0, help="open and close N sessions")
    args = ap.parse_args()
    proc, base = start_server([])
    try:
        print(f"server: {base} (pid {proc.pid})")
        asyncio.run(first_frame(base, args.runs))
        if args.listeners:
            listeners(base, proc.pid, args.listeners, args.seconds, args.workers)
        if args.churn:
            asyncio.run(churn(base, proc.pid, args.churn))
    finally:
        proc.terminate()
        proc.wait(20)


if __name__ == "__main__":
    main()
