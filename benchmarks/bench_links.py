"""Prints the link-check figures: how long one link takes on loopback, hop by hop.

Run from the repository root:  python benchmarks/bench_links.py [--rounds N]

Real HTTPS servers on 127.0.0.1 with certificates from a CA made for the run (the tests'
own, tests/support/tls_server.py); each figure is the whole probe: form rules, one name
lookup per hop, the vetted connection, TLS verification, the GET and the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.tls_server import tls_servers  # noqa: E402

from meetcheck.checks.links._probe import run_probe  # noqa: E402
from meetcheck.checks.links.lookalike import lookalike  # noqa: E402

CASES = [
    ("valid, 200", "valid", "/ok"),
    ("valid, 2 redirects", "valid", "/redirect"),
    ("expired certificate", "expired", "/ok"),
    ("404", "valid", "/missing"),
    ("redirect to 10.1.2.3 (refused)", "valid", "/to-private"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, tls_servers(Path(tmp)) as servers:
        os.environ["REQUESTS_CA_BUNDLE"] = str(servers.ca_path)

        async def one(url: str) -> tuple[float, str]:
            started = time.perf_counter()
            probe = await run_probe(url, ["127.0.0.1"])
            return (time.perf_counter() - started) * 1000, probe.outcome

        print(f"{'case':34} {'outcome':14} {'median ms':>9} {'max ms':>8}  ({args.rounds} rounds)")
        for label, kind, path in CASES:
            url = servers.url(kind, path)
            times, outcome = [], ""
            for _ in range(args.rounds):
                ms, outcome = asyncio.run(one(url))
                times.append(ms)
            print(f"{label:34} {outcome:14} {statistics.median(times):9.1f} {max(times):8.1f}")
    hosts = ["interprefy.com", "rsi.example.org"]
    names = ["interprefy.com.example.net", "lnterprefy.com", "zoom.us", "app.interprefy.com"]
    started = time.perf_counter()
    for _ in range(1000):
        for name in names:
            lookalike(name, hosts)
    per = (time.perf_counter() - started) / (1000 * len(names)) * 1e6
    print(f"look-alike rules: {per:.0f} µs per host name against {len(hosts)} platform hosts")


if __name__ == "__main__":
    main()
