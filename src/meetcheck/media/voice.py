"""A full-band stand-in for a good microphone's recording of a voice.

Why: the generated programme (``programme.py``) is speech-like below about 11 kHz and
nearly empty above, like a 22 kHz text-to-speech voice; a real voice through a good
microphone carries breath and sibilance up to 15 kHz and beyond, which is exactly what
``audio.bandwidth`` looks for. This adds that "air": white noise that follows the voice's
own envelope, tilted to fall 3 dB per octave above 2 kHz, about 30 dB under the voice, so
that a low-pass at any cut-off (3.4, 7, 11, 15 kHz) shows as that cut-off. An optional
steady room noise gives the pauses a realistic floor instead of digital silence.
"""

from __future__ import annotations

import numpy as np

from meetcheck.media.frames import SAMPLE_RATE
from meetcheck.media.levels import active_level_dbfs
from meetcheck.media.programme import TARGET_ACTIVE_DBFS, generate_programme

AIR_BELOW_DB = 30.0


def fullband_voice(
    seconds: float,
    sample_rate: int = SAMPLE_RATE,
    seed: int = 7,
    code: str = "en",
    room_noise_dbfs: float | None = None,
) -> np.ndarray:
    """Float32 mono voice at -26 dBFS active level with content up to the Nyquist rate."""
    voice = generate_programme(code, seconds, sample_rate, seed=seed).astype(np.float64)
    if voice.size == 0:
        return voice.astype(np.float32)
    rng = np.random.default_rng(seed + 1)
    # the voice's envelope, 10 ms smoothing
    k = max(1, int(0.01 * sample_rate))
    env = np.convolve(np.abs(voice), np.ones(k) / k, mode="same")
    spec = np.fft.rfft(rng.standard_normal(voice.size))
    freqs = np.fft.rfftfreq(voice.size, 1.0 / sample_rate)
    tilt = np.where(freqs < 2000.0, 0.0, 1.0 / np.sqrt(np.maximum(freqs, 1.0) / 2000.0))
    air = np.fft.irfft(spec * tilt, voice.size)
    air *= env / (np.sqrt(np.mean(air**2)) + 1e-12)
    gain = 10.0 ** ((active_level_dbfs(voice, sample_rate) - AIR_BELOW_DB) / 20.0)
    air *= gain / (np.sqrt(np.mean(air[env > 0] ** 2)) + 1e-12) if (env > 0).any() else 0.0
    out = voice + air
    level = active_level_dbfs(out, sample_rate)
    if np.isfinite(level):
        out *= 10.0 ** ((TARGET_ACTIVE_DBFS - level) / 20.0)
    if room_noise_dbfs is not None:
        out += 10.0 ** (room_noise_dbfs / 20.0) * rng.standard_normal(out.size)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
