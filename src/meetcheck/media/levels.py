"""Level measurements on float PCM (full scale = 1.0), shared by the audio and channel checks.

Why here: the microphone checks, the channel checks and the test-meeting server must agree
on what "-26 dBFS" means. Conventions: dBFS relative to a full-scale *peak* of 1.0, so a
full-scale sine has an RMS of -3.01 dBFS (the AES17 convention would call it 0 dB; we do
not, so RMS and peak use one reference). Digital silence is ``-inf``.

``active_level_dbfs`` is a simplified ITU-T P.56 method B ("active speech level"):

* envelope: |x| averaged over 1 ms blocks, then smoothed twice by a first-order filter
  with a 30 ms time constant (P.56's two-stage envelope, computed at 1 kHz);
* activity: a block is active for threshold c when the envelope is >= c, or was so
  within the previous 200 ms (hangover);
* thresholds every 0.5 dB from -100 to 0 dBFS; for each, the level of the active part is
  A(c) = energy / active time; the active level is A at the threshold where
  A(c) - c = 15.9 dB (the P.56 margin), interpolated linearly in dB.

Pauses and low noise therefore do not pull the level down; a continuous signal's active
level equals its RMS level, and bursts separated by silence read their own RMS less the
hangover's share (0.21 dB for 4 s bursts), as P.56 does; the tests check both. Resolution
is 1 ms. It has not been compared sample for sample with the ITU reference code.
"""

from __future__ import annotations

import math

import numpy as np

_MARGIN_DB = 15.9
_TAU_S = 0.03
_HANGOVER_S = 0.2


def _as_float(pcm: np.ndarray) -> np.ndarray:
    return np.asarray(pcm, dtype=np.float64).reshape(-1)


def _db(power: float) -> float:
    return 10.0 * math.log10(power) if power > 0 else -math.inf


def rms_dbfs(pcm: np.ndarray) -> float:
    """RMS level in dBFS (full-scale peak = 1.0); ``-inf`` for silence or empty input."""
    x = _as_float(pcm)
    return _db(float(np.mean(x * x))) if x.size else -math.inf


def peak_dbfs(pcm: np.ndarray) -> float:
    """Sample peak in dBFS; ``-inf`` for silence or empty input."""
    x = _as_float(pcm)
    return _db(float(np.max(np.abs(x))) ** 2) if x.size else -math.inf


def _smooth(x: np.ndarray, g: float) -> np.ndarray:
    """First-order low-pass y[n] = g*y[n-1] + (1-g)*x[n], as a truncated FIR (exact to 1e-7)."""
    taps = int(math.ceil(math.log(1e-7) / math.log(g))) + 1
    kernel = (1.0 - g) * g ** np.arange(taps)
    return np.convolve(x, kernel)[: len(x)]


def active_level_dbfs(pcm: np.ndarray, sample_rate: int) -> float:
    """Active speech level in dBFS, P.56-like (see the module docstring); ``-inf`` if silent."""
    x = _as_float(pcm)
    block = max(1, sample_rate // 1000)
    nblocks = len(x) // block
    if nblocks == 0:
        return rms_dbfs(x)
    x = x[: nblocks * block]
    energy = float(np.sum(x * x))
    if energy <= 0:
        return -math.inf
    block_rate = sample_rate / block
    g = math.exp(-1.0 / (_TAU_S * block_rate))
    env = _smooth(_smooth(np.abs(x).reshape(nblocks, block).mean(axis=1), g), g)
    hang = int(round(_HANGOVER_S * block_rate))
    idx = np.arange(nblocks)
    thresholds_db = np.arange(-100.0, 0.25, 0.5)
    diff = np.full(len(thresholds_db), -np.inf)
    levels = np.full(len(thresholds_db), -np.inf)
    for i, c_db in enumerate(thresholds_db):
        above = env >= 10.0 ** (c_db / 20.0)
        if not above.any():
            break
        last = np.maximum.accumulate(np.where(above, idx, -(10**9)))
        active = int(np.count_nonzero(idx - last <= hang)) * block
        levels[i] = _db(energy / active)
        diff[i] = levels[i] - c_db
    # diff falls as the threshold rises; find where it crosses the margin.
    valid = np.isfinite(diff)
    if not valid.any():
        return -math.inf
    d, lv = diff[valid], levels[valid]
    if d[0] < _MARGIN_DB:
        return float(lv[0])
    below = np.flatnonzero(d < _MARGIN_DB)
    if below.size == 0:
        return float(lv[-1])
    j = int(below[0])
    frac = (d[j - 1] - _MARGIN_DB) / (d[j - 1] - d[j])
    return float(lv[j - 1] + frac * (lv[j] - lv[j - 1]))


def clipped_runs(
    pcm: np.ndarray, threshold_dbfs: float = -0.1, min_run: int = 3
) -> list[tuple[int, int]]:
    """Runs of at least `min_run` consecutive samples with |x| >= threshold, as (start, length).

    Why runs: a single full-scale sample is legitimate peak audio; several in a row are the
    flat top a clipping stage leaves. `threshold_dbfs` relative to full scale 1.0.
    """
    x = _as_float(pcm)
    if x.size == 0:
        return []
    hot = np.abs(x) >= 10.0 ** (threshold_dbfs / 20.0)
    edges = np.diff(np.concatenate(([0], hot.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    lengths = ends - starts
    keep = lengths >= min_run
    return [(int(s), int(n)) for s, n in zip(starts[keep], lengths[keep], strict=True)]
