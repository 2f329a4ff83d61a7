"""Prints the channel-identity figures quoted in docs/channel-identity.md.

Run from the repository root:  python benchmarks/bench_identity.py [--quick]

Everything goes through real Opus (PyAV's libopus, or aiortc's own encoder/decoder) with
injected ground truth: the code written, the point where the listener joins, the packets
lost, the delay between channels. Timings are wall clock on this machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from meetcheck.media import identity as ident
from meetcheck.media.frames import FRAME_SAMPLES, SAMPLE_RATE
from meetcheck.media.identity import IdentityDecoder, IdentityEncoder, mark_offset_s
from meetcheck.media.levels import active_level_dbfs, rms_dbfs
from meetcheck.media.opus import aiortc_roundtrip, opus_roundtrip
from meetcheck.media.programme import generate_programme

SR = SAMPLE_RATE
FRAME = FRAME_SAMPLES
UN = ["floor", "ar", "zh", "en", "fr", "ru", "es"]


def marked(
    code: str, seconds: float, voice: str | None = None, seed: int | None = None
) -> np.ndarray:
    programme = generate_programme(voice or code, seconds, seed=seed)
    enc = IdentityEncoder(code)
    return np.concatenate(
        [enc.apply(programme[i : i + FRAME], i) for i in range(0, len(programme), FRAME)]
    )


def decode(y: np.ndarray) -> ident.Detection:
    dec = IdentityDecoder()
    for i in range(0, len(y), FRAME):
        dec.feed(y[i : i + FRAME])
    return dec.result()


def drift(x: np.ndarray, ppm: float) -> np.ndarray:
    """The receiver's clock runs `ppm` fast (band-limited resampling)."""
    new = int(round(SR * (1 + ppm * 1e-6)))
    return ident._resample(x.astype(np.float64), SR, new).astype(np.float32)


Channel = Callable[[np.ndarray, int], np.ndarray]
CONDITIONS: list[tuple[str, Channel]] = [
    ("Opus 32 kbit/s, 2% loss", lambda x, s: opus_roundtrip(x, 32000, loss=0.02, seed=s)),
    (
        "Opus 64 kbit/s 'audio' (the server's), 2% loss",
        lambda x, s: opus_roundtrip(x, 64000, application="audio", loss=0.02, seed=s),
    ),
    ("Opus default (64 kbit/s), 2% loss", lambda x, s: opus_roundtrip(x, None, loss=0.02, seed=s)),
    (
        "aiortc codec (96 kbit/s stereo), 2% loss",
        lambda x, s: aiortc_roundtrip(x, loss=0.02, seed=s),
    ),
    ("Opus 16 kbit/s, 2% loss", lambda x, s: opus_roundtrip(x, 16000, loss=0.02, seed=s)),
    (
        "Opus 32 kbit/s, 2% lost packets left out",
        lambda x, s: opus_roundtrip(x, 32000, loss=0.02, seed=s, lost="drop"),
    ),
    ("Opus 32 kbit/s, 5% loss", lambda x, s: opus_roundtrip(x, 32000, loss=0.05, seed=s)),
    (
        "Opus 32 kbit/s, 2% loss, clock +100 ppm",
        lambda x, s: opus_roundtrip(drift(x, 100), 32000, loss=0.02, seed=s),
    ),
]


def bench_time(runs: int) -> None:
    print("== decode time (IdentityDecoder: feed 20 ms frames, then result()) ==")
    x = opus_roundtrip(marked("fr", 70.0), 32000, loss=0.02, seed=1)
    for seconds in (6, 60):
        y = x[12345 : 12345 + seconds * SR]
        times = []
        for _ in range(runs if seconds == 6 else max(3, runs // 5)):
            t0 = time.perf_counter()
            det = decode(y)
            times.append(time.perf_counter() - t0)
        assert det.code == "fr"
        print(
            f"  {seconds:2d} s of audio: median {statistics.median(times) * 1000:6.1f} ms,"
            f" max {max(times) * 1000:6.1f} ms  ({len(times)} runs)"
        )
    programme = generate_programme("fr", 10.0)
    enc = IdentityEncoder("fr")
    t0 = time.perf_counter()
    for i in range(0, len(programme), FRAME):
        enc.apply(programme[i : i + FRAME], i)
    per_frame = (time.perf_counter() - t0) / (len(programme) / FRAME)
    print(f"  IdentityEncoder.apply: {per_frame * 1e6:.0f} us per 20 ms frame")


def bench_levels() -> None:
    print("== levels (programme at -26 dBFS active level, default encoder) ==")
    for code in ("en", "zh"):
        programme = generate_programme(code, 60.0)
        marks = marked(code, 60.0).astype(np.float64) - programme
        windows = np.array([rms_dbfs(marks[i : i + 4800]) for i in range(0, len(marks), 4800)])
        prog_w = np.array([rms_dbfs(programme[i : i + 4800]) for i in range(0, len(marks), 4800)])
        active = active_level_dbfs(programme, SR)
        print(
            f"  {code}: marks {rms_dbfs(marks):.1f} dBFS RMS = {active - rms_dbfs(marks):.1f} dB"
            f" below the programme; loudest 100 ms {windows.max():.1f} dBFS;"
            f" in silent 100 ms {np.median(windows[prog_w == -np.inf]):.1f} dBFS;"
            f" median distance under speech {np.median((prog_w - windows)[prog_w > -40]):.1f} dB"
        )


def bench_accuracy(joins: int) -> None:
    print(f"== code detection (7 UN codes x {joins} join points, programme audio) ==")
    streams = {code: marked(code, 20.0) for code in UN}
    for name, channel in CONDITIONS:
        cells = []
        for seconds in (3, 4, 6):
            ok = wrong = 0
            for k in range(joins):
                for i, code in enumerate(UN):
                    start = 3000 + (k * 7 + i) * 131071 % (10 * SR)
                    det = decode(channel(streams[code][start : start + seconds * SR], k * 7 + i))
                    ok += det.code == code
                    wrong += det.code not in (None, code)
            cells.append(f"{seconds} s: {ok}/{joins * len(UN)} ok, {wrong} wrong")
        print(f"  {name:47s} " + "; ".join(cells))


def bench_delay(trials: int) -> None:
    print("== delay between two channels (floor vs fr, Opus 32 kbit/s, 2% loss, 6 s) ==")
    floor, fr = marked("floor", 20.0), marked("fr", 20.0, seed=1)
    for delay_ms in (0.0, 120.0, 480.0, -250.0, 900.0):
        delay = int(round(delay_ms * SR / 1000))
        errors = []
        for k in range(trials):
            start = 2 * SR + 1 + k * 54321
            a = opus_roundtrip(floor[start : start + 6 * SR], 32000, loss=0.02, seed=k)
            b = opus_roundtrip(
                fr[start - delay : start - delay + 6 * SR], 32000, loss=0.02, seed=99 + k
            )
            measured = mark_offset_s(decode(a), decode(b))
            errors.append(abs(measured * 1000 - delay_ms))
        print(f"  injected {delay_ms:6.1f} ms: max error {max(errors):.3f} ms over {trials} trials")


def bench_false_positives() -> None:
    print("== no marks: 60 s each through Opus 32 kbit/s ==")
    rng = np.random.default_rng(0)
    t = ident._templates(ident.ANALYSIS_RATE)
    sources = {
        "white noise -26 dBFS": 0.05 * rng.standard_normal(60 * SR),
        "programme en": generate_programme("en", 60.0),
        "programme fr + noise": generate_programme("fr", 60.0)
        + 0.003 * rng.standard_normal(60 * SR),
        "1 kHz tone": 0.1 * np.sin(2 * np.pi * 1000 * np.arange(60 * SR) / SR),
    }
    for name, x in sources.items():
        y = opus_roundtrip(np.asarray(x, dtype=np.float32), 32000, seed=1)
        det = decode(y)
        white = ident._whiten(
            ident._resample(y.astype(np.float64), SR, ident.ANALYSIS_RATE), ident.ANALYSIS_RATE
        )
        z = ident._envelope_z(white, t.sync, ident._hilbert(t.sync))
        print(
            f"  {name:22s} code {det.code}, marks {len(det.marks_s)},"
            f" highest sync z {z.max():.1f} (mark threshold {ident.Z_FIRST})"
        )


def bench_espeak() -> None:
    if not shutil.which("espeak-ng"):
        print("== espeak-ng not installed: speech check skipped ==")
        return
    print("== espeak-ng speech, 6 languages, Opus 32 kbit/s, 2% loss, 6 s ==")
    text = "Distinguished delegates, the committee will now consider the draft resolution."
    import av

    for lang in ("en", "fr", "es", "ru", "ar", "zh"):
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "s.wav"
            subprocess.run(["espeak-ng", "-v", lang, "-w", str(wav), text], check=True)
            with av.open(str(wav)) as f:
                rate = f.streams.audio[0].rate
                pcm = np.concatenate([fr.to_ndarray().reshape(-1) for fr in f.decode(audio=0)])
        speech = ident._resample(pcm.astype(np.float64) / 32768.0, rate, SR)
        speech *= 10 ** ((-26 - active_level_dbfs(speech, SR)) / 20)
        programme = np.resize(speech, 12 * SR).astype(np.float32)
        x = IdentityEncoder(lang).apply(programme, 0)
        det = decode(opus_roundtrip(x[SR + 777 : 7 * SR + 777], 32000, loss=0.02, seed=3))
        print(f"  {lang}: decoded {det.code}, marks z {det.mark_z}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials (about 45 s)")
    args = parser.parse_args()
    bench_time(runs=10 if args.quick else 30)
    bench_levels()
    bench_accuracy(joins=2 if args.quick else 6)
    bench_delay(trials=3 if args.quick else 8)
    bench_false_positives()
    bench_espeak()


if __name__ == "__main__":
    main()
