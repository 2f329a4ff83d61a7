"""How long `meetcheck --help` takes (target: under 0.3 s on a 2-core machine).

Run: python benchmarks/bench_startup.py [runs]
"""

import shutil
import statistics
import subprocess
import sys
import time


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    exe = shutil.which("meetcheck")
    commands = {"meetcheck --help": [exe, "--help"]} if exe else {}
    commands["python -m meetcheck --help"] = [sys.executable, "-m", "meetcheck", "--help"]
    commands["python -c pass (interpreter floor)"] = [sys.executable, "-c", "pass"]
    for name, cmd in commands.items():
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - t0)
        print(
            f"{name:<36} median {statistics.median(times) * 1000:6.0f} ms   "
            f"min {min(times) * 1000:6.0f} ms   max {max(times) * 1000:6.0f} ms  ({runs} runs)"
        )


if __name__ == "__main__":
    main()
