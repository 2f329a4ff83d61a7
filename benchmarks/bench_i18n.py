"""What choosing a report language costs (target: at most 20 ms added to a run), and
`meetcheck --help` with translations in place against a checkout without them.

Choosing a language = resolving --lang or the locale, making it active, and loading the
catalogs a run reads first (the core's and a family's .mo, by the standard library's
gettext): measured cold, in a fresh interpreter each time, after meetcheck's own modules
are imported (a run imports them anyway), as the difference to doing the same in English.

Run: python benchmarks/bench_i18n.py [runs] [--baseline SRC]
     (--baseline: the src/ folder of a checkout without i18n, e.g. /work/main/src)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")

# In a fresh interpreter: import what any run imports (click, the runner, a reporter), then
# time choosing the language and rendering one translated title and one finding of each
# domain the run starts with.
CHOOSE = """
import time
import click, meetcheck.runner, meetcheck.report.text
from meetcheck.checks.system.cpu import Processor
from meetcheck.checks.system._catalog import _ as system_
t0 = time.perf_counter()
from meetcheck.i18n.language import choose, use_language
from meetcheck.i18n import localize
from meetcheck.report import words
code = choose({lang!r}, {{}})
with use_language(code):
    words.verdict("READY")
    localize(Processor.title)
    system_("{{value}} logical CPUs").format(value=2)
print((time.perf_counter() - t0) * 1000)
"""


# Bytecode cached outside the checkouts (this machine sets PYTHONDONTWRITEBYTECODE, which
# would make every run compile every module, and more source would look like more time).
CACHE = Path(tempfile.mkdtemp(prefix="meetcheck-bench-pyc-"))


def environ(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(src), "PYTHONPYCACHEPREFIX": str(CACHE)}


def run(code: str, src: Path) -> float:
    env = environ(src)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def wall(cmd: list[str], src: Path) -> float:
    import time

    env = environ(src)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="?", type=int, default=15)
    parser.add_argument("--baseline", type=Path, default=None)
    args = parser.parse_args()
    src = ROOT / "src"

    run(CHOOSE.format(lang="en"), src)  # warm the bytecode cache
    print(f"choosing a language, cold, median of {args.runs} fresh interpreters:")
    medians = {}
    for lang in LANGUAGES:
        times = [run(CHOOSE.format(lang=lang), src) for _ in range(args.runs)]
        medians[lang] = statistics.median(times)
        print(f"  {lang}: median {medians[lang]:5.1f} ms   max {max(times):5.1f} ms")
    worst = max(medians.values())
    print(f"  worst language {worst:.1f} ms (target <= 20 ms); English {medians['en']:.1f} ms")

    help_cmd = [sys.executable, "-m", "meetcheck", "--help"]
    sources = {"this branch": src}
    if args.baseline:
        sources["baseline"] = args.baseline
    print(f"\n`python -m meetcheck --help`, median of {args.runs} runs (interleaved):")
    times: dict[str, list[float]] = {name: [] for name in sources}
    for path in sources.values():  # warm the bytecode cache
        wall(help_cmd, path)
    for _ in range(args.runs):
        for name, path in sources.items():
            times[name].append(wall(help_cmd, path))
    for name, values in times.items():
        print(f"  {name:<12} median {statistics.median(values):6.1f} ms   "
              f"min {min(values):6.1f} ms  ({sources[name]})")  # fmt: skip


if __name__ == "__main__":
    main()
