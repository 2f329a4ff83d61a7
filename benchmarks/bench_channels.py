"""The channel checks on a UN meeting: speed, CPU and delay accuracy (issue 11).

Starts `meetcheck serve` on 127.0.0.1 with the floor and six channels, each delayed by a
known amount (serve.toml's `[channels.X] delay_ms`), and runs `meetcheck check --only
channels` against it as a delegate would, in a process of its own, several times. Prints:

* the collection's wall time (all seven channels at once: the issue's target is 8 s) and
  the whole command's wall time;
* the checker's CPU time over its wall time, against the machine's cores ("CPU to spare");
* the delay error per channel: measured `delay_ms` minus the delay the server added.

Run: python benchmarks/bench_channels.py [--trials N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ChannelConfig, ServerConfig

DELAYS_MS = {"floor": 0, "ar": 0, "zh": 120, "en": 250, "fr": 480, "ru": 750, "es": 1000}


def one_run(meeting_url: str, tmp: Path) -> tuple[dict, float, float]:
    out = tmp / "report.json"
    cmd = [sys.executable, "-m", "meetcheck", "check", "-q", "--meeting", meeting_url]
    cmd += ["--only", "channels", "--format", "json", "-o", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True, timeout=120)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    results = {r["id"]: r for r in json.loads(out.read_text())["results"]}
    return results, wall, cpu


def delays(result: dict) -> dict[str, float]:
    out = {}
    for f in result["findings"]:
        values = {m["name"]: m["value"] for m in f["measurements"]}
        if "delay_ms" in values:
            out[values["channel"]] = values["delay_ms"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    channels = [ChannelConfig(code, delay_ms=d) for code, d in DELAYS_MS.items()]
    collect_s, wall_s, cpu_share, errors = [], [], [], {c: [] for c in DELAYS_MS}
    cores = os.cpu_count() or 1
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_in_thread(ServerConfig(programme_seconds=10, channels=channels)) as srv,
    ):
        for trial in range(args.trials):
            results, wall, cpu = one_run(srv.meeting_url, Path(tmp))
            collect = results["channels.receive"]["duration_s"]
            measured = delays(results["channels.delay"])
            collect_s.append(collect)
            wall_s.append(wall)
            cpu_share.append(cpu / wall / cores)
            for code, d in DELAYS_MS.items():
                if code in measured:
                    errors[code].append(measured[code] - d)
            print(
                f"trial {trial + 1}: collection {collect:.2f} s, command {wall:.2f} s, "
                f"checker CPU {cpu:.2f} s ({100 * cpu / wall / cores:.0f} % of {cores} cores); "
                + ", ".join(f"{c} {measured.get(c, float('nan')):.1f}" for c in DELAYS_MS)
            )
    print()
    print(
        f"seven channels checked concurrently: collection median {statistics.median(collect_s):.2f} s "
        f"(max {max(collect_s):.2f} s; target <= 8 s), whole command median "
        f"{statistics.median(wall_s):.2f} s"
    )
    print(
        f"checker CPU: median {100 * statistics.median(cpu_share):.0f} % of {cores} cores "
        f"(max {100 * max(cpu_share):.0f} %)"
    )
    flat = [abs(e) for v in errors.values() for e in v]
    print(
        f"delay error over {len(flat)} measurements: max {max(flat):.2f} ms, "
        f"median {statistics.median(flat):.2f} ms (required: within 20 ms)"
    )
    for code, v in errors.items():
        if v:
            print(
                f"  {code:<5} added {DELAYS_MS[code]:>4} ms: error "
                f"{min(v):+.2f} .. {max(v):+.2f} ms over {len(v)} trials"
            )
        else:
            print(f"  {code:<5} added {DELAYS_MS[code]:>4} ms: not measured")


if __name__ == "__main__":
    main()
