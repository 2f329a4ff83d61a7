"""Is the loudspeaker heard by the microphone? A known test sound is played while the
microphone records, and found again by cross-correlation.

Why: a speaker without headphones sends the interpretation (or the floor) back into the
meeting through their microphone, and the interpreters hear themselves with a delay. The
echo return loss (how much quieter the sound comes back) says how bad it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEST_S = 1.0
TEST_DBFS = -20.0
BAND_HZ = (300.0, 6000.0)
MAX_DELAY_S = 3.0  # output latency of the sound server plus the room
DETECT_Z = 10.0  # a correlation peak this many noise deviations high is the test sound
ECHO_SUFFIX = ".echo.json"  # beside a guided recording: what the loudspeaker test found


def echo_result_path(recording: str | Path) -> Path:
    """Where ``meetcheck check --mic`` leaves its loudspeaker test for ``audio.echo``."""
    return Path(str(recording) + ECHO_SUFFIX)


def test_signal(rate: int, seconds: float = TEST_S, seed: int = 24019) -> np.ndarray:
    """Band-limited noise (300 Hz - 6 kHz) at -20 dBFS RMS with 10 ms fades."""
    n = int(round(seconds * rate))
    spec = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate)
    spec[(f < BAND_HZ[0]) | (f > BAND_HZ[1])] = 0
    x = np.fft.irfft(spec, n)
    x *= 10 ** (TEST_DBFS / 20) / np.sqrt(np.mean(x * x))
    fade = int(0.01 * rate)
    ramp = np.linspace(0.0, 1.0, fade)
    x[:fade] *= ramp
    x[n - fade :] *= ramp[::-1]
    return x


@dataclass(frozen=True)
class EchoResult:
    detected: bool
    return_loss_db: float  # played level minus the level it came back at (or the floor)
    delay_ms: float
    z: float  # strength of the correlation peak in noise deviations

    def to_dict(self) -> dict[str, float | bool]:
        return {
            "detected": self.detected,
            "return_loss_db": round(self.return_loss_db, 1),
            "delay_ms": round(self.delay_ms, 1),
            "z": round(self.z, 1),
        }


def find_echo(recorded: np.ndarray, reference: np.ndarray, rate: int) -> EchoResult:
    """Where and how loud ``reference`` is inside ``recorded`` (mono floats)."""
    y = np.asarray(recorded, dtype=np.float64).reshape(-1)
    s = np.asarray(reference, dtype=np.float64).reshape(-1)
    n = 1 << int(math.ceil(math.log2(y.size + s.size)))
    corr = np.fft.irfft(np.fft.rfft(y, n) * np.conj(np.fft.rfft(s, n)), n)
    lags = min(int(MAX_DELAY_S * rate), max(1, y.size - s.size + 1))
    corr = corr[:lags]
    energy = float(np.dot(s, s)) or 1.0
    peak = int(np.argmax(np.abs(corr)))
    sigma = 1.4826 * float(np.median(np.abs(corr))) or 1e-30
    z = abs(float(corr[peak])) / sigma
    gain = abs(float(corr[peak])) / energy
    if z >= DETECT_Z and gain > 0:
        # the level by energy in the aligned window, less the noise around it: robust to
        # the small gaps and drifts a busy sound server puts into the playback
        seg = y[peak : peak + s.size]
        rest = np.concatenate((y[:peak], y[peak + s.size :]))
        noise = float(np.mean(rest * rest)) if rest.size else 0.0
        echo = max(float(np.mean(seg * seg)) - noise, 1e-30)
        loss = 10 * math.log10(float(np.mean(s * s)) / echo)
        return EchoResult(True, min(loss, 120.0), 1000.0 * peak / rate, z)
    # not found: it lies at least this far down (a peak of DETECT_Z deviations)
    floor = DETECT_Z * sigma / energy
    return EchoResult(False, min(120.0, -20 * math.log10(floor)) if floor > 0 else 120.0, 0.0, z)
