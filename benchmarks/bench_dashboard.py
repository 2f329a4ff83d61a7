"""Prints how the batch dashboard scales with the roster: render time and page size in
Python, then load, sort and filter times in headless Chromium (inside a loopback-only
network namespace when possible).

Run from the repository root:  python benchmarks/bench_dashboard.py [--rows 380 1000 10000]

Rows repeat the tests' realistic document (every script, every status) under new row
numbers and delegations. Timings are wall clock on this machine, median of 3.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.batch_results import ROWS, build_results  # noqa: E402
from support.cdp import Chromium, can_unshare  # noqa: E402

from meetcheck.batch.dashboard import render_dashboard  # noqa: E402


def roster(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        row = copy.deepcopy(ROWS[i % len(ROWS)])
        row["row"] = i + 1
        row["delegation"] = f"{row['delegation']} {i // 2}"
        row["role"] = ("primary", "alternate")[i % 2]
        rows.append(row)
    return rows


def median_s(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def browser_ms(page, script: str) -> float:
    """Milliseconds the page spends on ``script`` plus the layout it causes."""
    return page.evaluate(
        f"(() => {{ const t = performance.now(); {script}; document.body.offsetHeight;"
        " return performance.now() - t; })()"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[380, 1000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Chromium(netns=can_unshare(), timeout=120) as b:
        print(f"{'rows':>6} {'render':>9} {'size':>9} {'load':>9} {'sort':>9} {'filter':>9}")
        for n in args.rows:
            results = build_results(rows=roster(n))
            render_s = median_s(lambda results=results: render_dashboard(results))
            path = Path(tmp, f"dashboard-{n}.html")
            path.write_text(render_dashboard(results), encoding="utf-8")
            start = time.perf_counter()
            page = b.open(path.as_uri())
            load_s = time.perf_counter() - start
            sort = statistics.median(
                browser_ms(page, "document.querySelector('th[data-key=name] button').click()")
                for _ in range(3)
            )
            filt = statistics.median(
                browser_ms(page, "const i = document.getElementById('f-text'); "
                           f"i.value = {text!r}; i.dispatchEvent(new Event('input'))")
                for text in ("egypt", "zz-none", "")
            )  # fmt: skip
            assert not page.errors, page.errors
            size_mb = path.stat().st_size / 1e6
            print(f"{n:>6} {render_s * 1000:>7.0f}ms {size_mb:>7.2f}MB {load_s * 1000:>7.0f}ms"
                  f" {sort:>7.0f}ms {filt:>7.0f}ms")  # fmt: skip
            b.send("Target.closeTarget", {"targetId": page.target})


if __name__ == "__main__":
    main()
