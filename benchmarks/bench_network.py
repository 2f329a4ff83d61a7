"""Time to verdict of ``meetcheck check --only network`` against ``meetcheck serve``, and
the network checks' error against injected impairment.

Everything stays on 127.0.0.1: ``meetcheck serve`` runs as its own process; impairment
comes from the tests' seeded user-space relays (``tests/support/impair.py``), since this
machine has no netem.

    python benchmarks/bench_network.py               # 3 timed runs, 3 seeds
    python benchmarks/bench_network.py --runs 5 --seeds 5

Time to verdict: wall time of the whole command (process start, imports, every network
check, the report), as a delegate waits for it. Accuracy: network.stun through the UDP
relay at 50 ms +-10 ms and 5 % loss each way (truth: the configured delay and the relay's
drop counters), and network.throughput through a TCP relay paced to 8 Mbit/s down and
3 Mbit/s up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.impair import Direction, Impairment, TcpRelay, UdpRelay  # noqa: E402
from support.serve_proc import serve_process  # noqa: E402

from meetcheck.checks.network.stun import StunProbe  # noqa: E402
from meetcheck.checks.network.throughput import Throughput  # noqa: E402
from meetcheck.testing import measurement, run_check_sync  # noqa: E402


def time_to_verdict(meeting_url: str, runs: int) -> list[float]:
    env = dict(
        os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    )
    times = []
    for i in range(runs):
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "meetcheck", "check", "-q", "--meeting", meeting_url,
             "--only", "network"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        took = time.monotonic() - start
        verdict = next((ln for ln in done.stdout.splitlines() if "Verdict" in ln), "?")
        print(f"  run {i + 1}: {took:.2f} s, exit {done.returncode}, {verdict.strip()}")
        times.append(took)
    return times


def stun_error(stun_port: int, seed: int) -> tuple[float, float]:
    impair = Impairment(
        up=Direction(delay_ms=50, jitter_ms=10, loss=0.05),
        down=Direction(delay_ms=50, jitter_ms=10, loss=0.05),
    )
    with UdpRelay(("127.0.0.1", stun_port), impair, seed=seed) as relay:
        result = run_check_sync(
            StunProbe, meeting={"ice_servers": [{"urls": [f"stun:127.0.0.1:{relay.port}"]}]}
        )
        truth = relay.counters()
    sent = measurement(result, "probes")
    true_loss = 100 * (truth["up_dropped"] + truth["down_dropped"]) / sent
    rtt_err = 100 * (measurement(result, "rtt_ms") - 100) / 100
    loss_err = measurement(result, "loss_pct") - true_loss
    return rtt_err, loss_err


def throughput_error(base_port: int) -> tuple[float, float]:
    with TcpRelay(("127.0.0.1", base_port), down_mbps=8, up_mbps=3) as relay:
        base = f"http://127.0.0.1:{relay.port}/throughput"
        result = run_check_sync(
            Throughput,
            meeting={"throughput": {"download_url": base + "/download",
                                    "upload_url": base + "/upload"}},
        )  # fmt: skip
    down = 100 * (measurement(result, "download_mbps") - 8) / 8
    up = 100 * (measurement(result, "upload_mbps") - 3) / 3
    return down, up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of meetcheck check")
    parser.add_argument("--seeds", type=int, default=3, help="impaired STUN runs")
    args = parser.parse_args()
    with serve_process() as server:
        print("time to verdict, meetcheck check --only network against meetcheck serve:")
        times = time_to_verdict(server.meeting_url, args.runs)
        print(f"  median {statistics.median(times):.2f} s, max {max(times):.2f} s (goal: 10 s)")

        stun_url = server.meeting["ice_servers"][0]["urls"][0]
        stun_port = int(stun_url.rsplit(":", 1)[1])
        print("network.stun at 50 ms +-10 ms and 5 % loss each way (100 ms RTT):")
        errors = [stun_error(stun_port, seed) for seed in range(1, args.seeds + 1)]
        for seed, (rtt_err, loss_err) in enumerate(errors, 1):
            print(
                f"  seed {seed}: rtt_ms error {rtt_err:+.1f} %, loss_pct error {loss_err:+.2f} pp"
            )
        print(
            f"  worst: rtt {max(abs(e[0]) for e in errors):.1f} % (goal 10 %), "
            f"loss {max(abs(e[1]) for e in errors):.2f} pp (goal 1.5 pp)"
        )

        base_port = int(server.meeting_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        down, up = throughput_error(base_port)
        print("network.throughput through a TCP relay paced to 8 Mbit/s down, 3 Mbit/s up:")
        print(f"  download error {down:+.1f} %, upload error {up:+.1f} %")


if __name__ == "__main__":
    main()
