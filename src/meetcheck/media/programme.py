"""Generated speech-like test programme, one voice per channel code.

Why: a test meeting must play something on every channel even when no recording is
configured, and the channel checks must still see *speech-like* audio (not silence, not a
tone): speech level, speech spectrum, syllable rhythm and pauses. A formant synthesiser is
enough for that, needs no data files and no text-to-speech engine.

How: phrases of 1-3 s separated by 0.3-1.4 s pauses; each phrase is a run of
syllables (110-300 ms, i.e. about 4 per second) made of an optional consonant (fricative
noise, plosive burst) and a vowel: a glottal pulse train (f0 with declination and jitter)
shaped in the frequency domain by a -12 dB/octave glottal roll-off, +6 dB/octave lip
radiation and four cascade formant resonances. Voice (f0, vocal tract length, speaking
rate) and the random sequence depend on the channel code, so channels sound different and
a crossed channel is audible. The result is scaled to -26 dBFS active speech level
(`levels.active_level_dbfs`), begins and ends in a pause (it loops without a click), and
is deterministic for a given code and seed.
"""

from __future__ import annotations

import zlib

import numpy as np

from meetcheck.media.frames import SAMPLE_RATE
from meetcheck.media.levels import active_level_dbfs

TARGET_ACTIVE_DBFS = -26.0

# (F1, F2, F3, F4) in Hz for an adult male vocal tract, scaled per voice.
_VOWELS: tuple[tuple[float, float, float, float], ...] = (
    (730, 1090, 2440, 3400),  # a
    (270, 2290, 3010, 3700),  # i
    (300, 870, 2240, 3300),  # u
    (530, 1840, 2480, 3500),  # e
    (570, 840, 2410, 3400),  # o
    (660, 1720, 2410, 3500),  # ae
    (490, 1350, 1690, 3300),  # er
    (440, 1020, 2240, 3400),  # schwa-like
)
_BANDWIDTHS = (80.0, 100.0, 140.0, 200.0)


def _voice(code: str, seed: int | None) -> np.random.Generator:
    base = zlib.crc32(code.encode("utf-8"))
    return np.random.default_rng([base, 0 if seed is None else seed + 1])


def _formant_gain(freqs: np.ndarray, formants: np.ndarray) -> np.ndarray:
    """Magnitude of a cascade of two-pole resonators, unity at DC (Klatt-style)."""
    gain = np.ones_like(freqs)
    for f, b in zip(formants, _BANDWIDTHS, strict=True):
        half = b / 2.0
        num = f * f + half * half
        den = np.sqrt(((freqs - f) ** 2 + half * half) * ((freqs + f) ** 2 + half * half))
        gain *= num / den
    return gain


def _vowel(
    rng: np.random.Generator, n: int, sr: int, f0: float, tract: float, breath: float
) -> np.ndarray:
    # Pulse train with a gently falling f0 and cycle-to-cycle jitter.
    t = np.arange(n) / sr
    contour = f0 * (1.0 + rng.uniform(-0.08, 0.08) - 0.15 * t / max(t[-1], 1e-3))
    contour *= 1.0 + 0.01 * rng.standard_normal(n).cumsum() / np.sqrt(np.arange(1, n + 1))
    phase = np.cumsum(contour) / sr
    pulses = np.zeros(n)
    pulses[np.flatnonzero(np.diff(np.floor(phase), prepend=0.0) > 0)] = 1.0
    pulses += breath * rng.standard_normal(n)  # aspiration, shaped with the vowel below
    nfft = 1 << int(np.ceil(np.log2(n + 1)))
    freqs = np.fft.rfftfreq(nfft, 1.0 / sr)
    formants = np.array(_VOWELS[rng.integers(len(_VOWELS))], dtype=float) / tract
    formants *= rng.uniform(0.95, 1.05, size=4)
    shape = _formant_gain(freqs, formants)
    shape *= 1.0 / (1.0 + (freqs / 150.0) ** 2)  # glottal roll-off, -12 dB/octave
    shape *= freqs / 1000.0  # lip radiation, +6 dB/octave (and no DC)
    shape *= 1.0 / (1.0 + (freqs / 9000.0) ** 4)  # natural top-end fall
    out = np.fft.irfft(np.fft.rfft(pulses, nfft) * shape, nfft)[:n]
    return out


def _noise_band(rng: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    nfft = 1 << int(np.ceil(np.log2(n + 1)))
    freqs = np.fft.rfftfreq(nfft, 1.0 / sr)
    spec = np.fft.rfft(rng.standard_normal(nfft))
    spec *= np.exp(-0.5 * ((freqs - (lo + hi) / 2) / ((hi - lo) / 2)) ** 2)
    out = np.fft.irfft(spec, nfft)[:n]
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def _envelope(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n)
    attack, release = min(attack, n // 2), min(release, n // 2)
    if attack:
        env[:attack] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
    if release:
        env[n - release :] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, release))
    return env


def _syllable(
    rng: np.random.Generator, sr: int, f0: float, tract: float, stress: float
) -> np.ndarray:
    parts: list[np.ndarray] = []
    kind = rng.random()
    if kind < 0.35:  # fricative (s, sh, f)
        n = int(sr * rng.uniform(0.05, 0.11))
        lo, hi = [(3500.0, 8500.0), (2000.0, 5500.0), (1200.0, 7000.0)][rng.integers(3)]
        parts.append(0.08 * _noise_band(rng, n, sr, lo, hi) * _envelope(n, n // 4, n // 4))
    elif kind < 0.6:  # plosive: short closure then a burst
        parts.append(np.zeros(int(sr * rng.uniform(0.02, 0.05))))
        n = int(sr * 0.015)
        parts.append(0.15 * _noise_band(rng, n, sr, 800.0, 6000.0) * _envelope(n, 24, n // 2))
    n = int(sr * rng.uniform(0.09, 0.22))
    vowel = _vowel(rng, n, sr, f0, tract, breath=0.02)
    vowel /= np.sqrt(np.mean(vowel**2)) + 1e-12
    parts.append(0.3 * stress * vowel * _envelope(n, int(0.025 * sr), int(0.04 * sr)))
    parts.append(np.zeros(int(sr * rng.uniform(0.01, 0.05))))  # inter-syllable dip
    return np.concatenate(parts)


def generate_programme(
    code: str, seconds: float, sample_rate: int = SAMPLE_RATE, seed: int | None = None
) -> np.ndarray:
    """A speech-like test programme (syllable-rate amplitude modulation, formant-like
    band-limited content, pauses), different per channel code, float32 mono, about
    -26 dBFS active level."""
    total = int(round(seconds * sample_rate))
    if total <= 0:
        return np.zeros(0, dtype=np.float32)
    rng = _voice(code, seed)
    f0 = rng.uniform(95.0, 230.0)
    tract = 1.0 + (f0 - 95.0) / 135.0 * 0.18 + rng.uniform(-0.03, 0.03)
    out = np.zeros(total + sample_rate * 5)
    pos = int(sample_rate * rng.uniform(0.1, 0.3))
    end = total - int(0.3 * sample_rate)  # end in a pause: a looped programme has no click
    while pos < end:
        phrase_end = pos + int(sample_rate * rng.uniform(1.0, 3.0))
        while pos < min(phrase_end, end):
            syl = _syllable(rng, sample_rate, f0, tract, stress=rng.uniform(0.6, 1.0))
            if pos + len(syl) > end:
                break
            out[pos : pos + len(syl)] += syl
            pos += len(syl)
        pos += int(sample_rate * rng.uniform(0.3, 1.4))
    out = out[:total]
    level = active_level_dbfs(out, sample_rate)
    if np.isfinite(level):
        out *= 10.0 ** ((TARGET_ACTIVE_DBFS - level) / 20.0)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
