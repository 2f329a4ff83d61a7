"""Prints the audio analysis figures quoted in the audio issue's closing note.

Run from the repository root:  python benchmarks/bench_audio.py [--quick]

* speed: one analysis (decode + every measurement) of 30 s of 48 kHz mono 16-bit WAV,
  a full-band voice in a quiet room; the CPU time of the analysing thread (one core),
  best and median of several runs, against the issue's 150 ms (200x real time);
* memory: the peak resident memory of a fresh process that analyses a 5-minute and a
  60-minute recording (the same voice, looped with fresh noise); the difference is what
  the length costs (``--quick`` skips the hour).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from meetcheck.media.audiofile import analyse_file
from meetcheck.media.voice import fullband_voice

SR = 48000
BUDGET_S = 0.150


def write_wav(path: Path, seconds: float, seed: int = 7) -> Path:
    """A looped 30 s take with fresh room noise each loop, written as it is generated."""
    take = fullband_voice(30.0, SR, seed=seed)
    rng = np.random.default_rng(seed)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        left = int(seconds * SR)
        while left > 0:
            part = take[: min(left, take.size)] + 10 ** (-70 / 20) * rng.standard_normal(
                min(left, take.size)
            )
            w.writeframes((np.clip(part, -1, 1) * 32767).astype("<i2").tobytes())
            left -= part.size
    return path


def speed(path: Path, runs: int) -> None:
    analyse_file(path)  # warm: imports, FFmpeg's first open
    cpu, wall = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.thread_time()
        result = analyse_file(path)
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - t0)
    best, median = min(cpu), statistics.median(cpu)
    verdict = "within" if best <= BUDGET_S else "OVER"
    print(
        f"30 s of 48 kHz: CPU best {best * 1000:.0f} ms, median {median * 1000:.0f} ms "
        f"(wall median {statistics.median(wall) * 1000:.0f} ms) over {runs} runs; "
        f"{30 / best:.0f}x real time, {verdict} the {BUDGET_S * 1000:.0f} ms budget"
    )
    print(
        f"  measured: active {result.active_level_dbfs:.2f} dBFS, "
        f"{result.loudness_lufs:.2f} LUFS, noise {result.noise_floor_dbfs:.1f} dBFS, "
        f"SNR {result.snr_db:.1f} dB, band {result.band} ({result.bandwidth_hz:.0f} Hz)"
    )


_CHILD = """
import resource, sys, time
from meetcheck.media.audiofile import analyse_file
t = time.perf_counter()
r = analyse_file(sys.argv[1])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t, r.duration_s)
"""


def memory(path: Path) -> tuple[float, float, float]:
    """(peak RSS in MB, seconds, duration analysed) of a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]) / 1024, float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the one-hour file")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audio-") as tmp:
        speed(write_wav(Path(tmp) / "30s.wav", 30.0), args.runs)
        lengths = [60.0, 300.0] if args.quick else [300.0, 3600.0]
        peaks = []
        for seconds in lengths:
            path = write_wav(Path(tmp) / f"{seconds:.0f}s.wav", seconds)
            rss, took, analysed = memory(path)
            peaks.append(rss)
            print(
                f"{seconds / 60:.0f} min file ({path.stat().st_size / 1e6:.0f} MB): "
                f"peak RSS {rss:.0f} MB, {took:.1f} s ({analysed / took:.0f}x real time)"
            )
            path.unlink()
        print(f"memory growth from {lengths[0] / 60:.0f} to {lengths[1] / 60:.0f} min: "
              f"{peaks[1] - peaks[0]:+.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
