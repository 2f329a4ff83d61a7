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
_STEP_DB = 0.5
_THRESHOLDS_DB = np.arange(-100.0, 0.25, _STEP_DB)  # P.56 thresholds c
_THRESHOLDS_LIN = 10.0 ** (_THRESHOLDS_DB / 20.0)


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


def one_pole(x: np.ndarray, g: float, y0: float = 0.0) -> np.ndarray:
    """y[n] = g*y[n-1] + (1-g)*x[n] from y[-1] = y0, exactly, with numpy only.

    In runs of L samples the recursion is a weighted running sum (g^-j stays below
    e^2 for the run lengths chosen), and only the runs' end values are carried one
    run to the next in Python.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n == 0:
        return x.copy()
    run = max(1, min(n, int(2.0 / max(-math.log(g), 1e-12))))
    m = -(-n // run)
    padded = np.zeros(m * run)
    padded[:n] = x
    blocks = padded.reshape(m, run)
    k = np.arange(run)
    local = (1.0 - g) * g**k * np.cumsum(blocks * g ** (-k), axis=1)  # from a zero start
    starts = np.empty(m)
    carry, gl = y0, g**run
    ends = local[:, -1]
    for i in range(m):
        starts[i] = carry
        carry = ends[i] + gl * carry
    out = local + g ** (k + 1) * starts[:, None]
    return out.reshape(-1)[:n]


def running_max(x: np.ndarray, width: int) -> np.ndarray:
    """max(x[i - width + 1 .. i]) for every i (the first width - 1 over what exists).

    Doubling windows (1, 2, 4 ...) then two overlapping ones cover any width in
    O(n log width), with numpy only.
    """
    out = np.asarray(x, dtype=np.float64).copy()
    if width <= 1 or out.size == 0:
        return out
    span = 1
    while span * 2 <= width:
        shifted = np.concatenate((np.full(span, -np.inf), out[:-span]))
        out = np.maximum(out, shifted)
        span *= 2
    rest = width - span
    if rest:
        shifted = np.concatenate((np.full(rest, -np.inf), out[:-rest]))
        out = np.maximum(out, shifted[: out.size])
    return out


class ActiveLevelMeter:
    """Streaming form of :func:`active_level_dbfs`: feed chunks of any length, read the
    level at any time. Memory is constant (a histogram of the hangover envelope), so an
    hour of audio costs what a second does.

    The envelope is the same two first-order filters (carrying their last outputs from
    chunk to chunk), the hangover is a running maximum over
    the last 200 ms of 1 ms blocks, and the activity at each threshold is the count of
    blocks whose running maximum reaches it.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.block = max(1, sample_rate // 1000)
        block_rate = sample_rate / self.block
        self._g = math.exp(-1.0 / (_TAU_S * block_rate))
        self._hang = int(round(_HANGOVER_S * block_rate))
        self._state = [0.0, 0.0]  # the two smoothing filters' last outputs
        self._tail = np.zeros(0)  # samples of an unfinished block
        self._recent = np.zeros(self._hang)  # envelope of the last `hang` blocks
        self.hist = np.zeros(len(_THRESHOLDS_DB), dtype=np.int64)
        self.energy = 0.0
        self.blocks = 0
        self.samples = 0

    def feed(self, pcm: np.ndarray) -> None:
        x = _as_float(pcm)
        self.samples += x.size
        if self._tail.size:
            x = np.concatenate((self._tail, x))
        n = x.size // self.block
        self._tail = x[n * self.block :].copy()
        if n == 0:
            return
        x = x[: n * self.block]
        self.energy += float(np.einsum("i,i->", x, x))  # not np.dot: no BLAS threads
        self.blocks += n
        env = np.abs(x).reshape(n, self.block).mean(axis=1)
        for stage in range(2):  # the two smoothing filters, each carrying its last output
            env = one_pole(env, self._g, self._state[stage])
            self._state[stage] = float(env[-1])
        joined = np.concatenate((self._recent, env))
        held = running_max(joined, self._hang + 1)[self._hang :]
        self._recent = joined[joined.size - self._hang :]
        # bin i holds [c_i, c_i+1): searchsorted on the linear thresholds, no logarithms
        idx = np.searchsorted(_THRESHOLDS_LIN, held, side="right") - 1
        self.hist += np.bincount(idx[idx >= 0], minlength=len(_THRESHOLDS_DB))

    def _curves(self, noise_power: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Active blocks and active level A(c) at each threshold c."""
        active = np.cumsum(self.hist[::-1])[::-1]
        energy = self.energy - noise_power * self.blocks * self.block
        with np.errstate(divide="ignore", invalid="ignore"):
            levels = 10.0 * np.log10(energy / (active * self.block))
        levels[(active == 0) | ~np.isfinite(levels)] = -np.inf
        return active, levels

    def level(self, noise_power: float = 0.0, min_threshold_db: float = -math.inf) -> float:
        """The active level so far, in dBFS; ``-inf`` for silence.

        ``noise_power`` (mean square of a steady noise under the signal) is taken out of
        the energy, and thresholds below ``min_threshold_db`` (where that noise would count
        as activity) are not used: the speech's own level under noise, which P.56 alone
        cannot give once the noise reaches its threshold.
        """
        if self.blocks == 0:
            x = self._tail
            return _db(float(np.mean(x * x))) if x.size else -math.inf
        if self.energy <= 0:
            return -math.inf
        _, levels = self._curves(noise_power)
        diff = levels - _THRESHOLDS_DB
        valid = np.isfinite(diff) & (_THRESHOLDS_DB >= min_threshold_db)
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

    def active_seconds(self) -> float:
        """How long the signal was active at the P.56 threshold (level - 15.9 dB)."""
        level = self.level()
        if not math.isfinite(level):
            return 0.0
        active, _ = self._curves()
        i = int(np.searchsorted(_THRESHOLDS_DB, level - _MARGIN_DB, side="right")) - 1
        return float(active[max(i, 0)]) * self.block / self.sample_rate


def active_level_dbfs(pcm: np.ndarray, sample_rate: int) -> float:
    """Active speech level in dBFS, P.56-like (see the module docstring); ``-inf`` if silent."""
    meter = ActiveLevelMeter(sample_rate)
    meter.feed(pcm)
    return meter.level()


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


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """ITU-R BS.1770 K-weighting (high shelf + high pass) as two biquads for any rate.

    The analogue prototype's parameters, as libebur128 derives them, give exactly the
    standard's 48 kHz coefficients and the matching filter at other rates.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def _k_power_weights(sample_rate: int, n: int) -> np.ndarray:
    """Weights that turn |rfft|^2 of an n-sample block into its K-weighted energy.

    Why the FFT and not the filters: two biquads run sample by sample need an IIR routine
    numpy lacks. Parseval with the filters' power response |K(f)|^2 gives the block's
    filtered energy up to the filters' short impulse response wrapping inside the block
    (well under 0.1 LU on speech and tones).
    """
    sos = k_weighting_sos(sample_rate)
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(n))  # z^-1 on the unit circle
    h = np.ones(z.size, dtype=complex)
    for b0, b1, b2, a0, a1, a2 in sos:
        h *= (b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)
    w = np.full(z.size, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w * np.abs(h) ** 2 / n


_LUFS_OFFSET = -0.691
_ABS_GATE_LUFS = -70.0
_REL_GATE_LU = -10.0
_LU_STEP = 0.01
_LU_BINS = np.arange(_ABS_GATE_LUFS, 10.0, _LU_STEP)


def channel_weights(channels: int) -> np.ndarray:
    """BS.1770 channel weights: 1.0, surround channels of 5.1 1.41, the LFE left out."""
    if channels == 6:  # L R C LFE Ls Rs
        return np.array([1.0, 1.0, 1.0, 0.0, 1.41, 1.41])
    return np.ones(channels)


class LoudnessMeter:
    """Integrated loudness (LUFS) per ITU-R BS.1770-4 with the absolute (-70 LUFS) and
    relative (-10 LU) gates, over 400 ms blocks with 75 % overlap.

    Streaming with constant memory: blocks are kept as a 0.01 LU histogram (counts and
    energies), so the relative gate is exact to one bin, as in libebur128's histogram mode.
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.sample_rate = sample_rate
        self._w = channel_weights(channels)
        self._step = max(1, int(round(0.1 * sample_rate)))  # 100 ms sub-blocks
        self._gain = _k_power_weights(sample_rate, self._step)
        self._tail = np.zeros((channels, 0))
        self._subs: list[float] = []  # the last three sub-block energies
        self.counts = np.zeros(len(_LU_BINS), dtype=np.int64)
        self.energies = np.zeros(len(_LU_BINS))

    def feed(self, pcm: np.ndarray) -> None:
        """pcm: (channels, n) float."""
        x = np.concatenate((self._tail, pcm), axis=1) if self._tail.size else pcm
        n = x.shape[1] // self._step
        self._tail = x[:, n * self._step :].copy()
        if n == 0:
            return
        frames = x[:, : n * self._step].reshape(x.shape[0], n, self._step)
        power = np.abs(np.fft.rfft(frames, axis=2)) ** 2  # (channels, n, bins)
        # K-weighted energy per sub-block (einsum: no BLAS threads)
        energy = np.einsum("c,cnk,k->n", self._w, power, self._gain)
        subs = np.concatenate((self._subs, energy))
        if subs.size >= 4:
            blocks = np.lib.stride_tricks.sliding_window_view(subs, 4).sum(axis=1)
            blocks /= 4 * self._step
            with np.errstate(divide="ignore"):
                lufs = _LUFS_OFFSET + 10.0 * np.log10(blocks)
            keep = lufs >= _ABS_GATE_LUFS
            idx = ((lufs[keep] - _ABS_GATE_LUFS) / _LU_STEP).astype(np.int64)
            idx = np.minimum(idx, len(_LU_BINS) - 1)
            self.counts += np.bincount(idx, minlength=len(_LU_BINS))
            self.energies += np.bincount(idx, weights=blocks[keep], minlength=len(_LU_BINS))
        self._subs = list(subs[-3:])

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS; ``-inf`` when no block passes the gates."""
        total = self.counts.sum()
        if total == 0:
            return -math.inf
        rel_gate = _LUFS_OFFSET + 10.0 * math.log10(self.energies.sum() / total) + _REL_GATE_LU
        first = max(0, int(math.ceil((rel_gate - _ABS_GATE_LUFS) / _LU_STEP - 1e-9)))
        count = self.counts[first:].sum()
        if count == 0:
            return -math.inf
        return _LUFS_OFFSET + 10.0 * math.log10(self.energies[first:].sum() / count)


# 4x oversampling interpolator for true peak (BS.1770-4 Annex 2 asks for at least 4x).
_TP_UP = 4
_TP_HALF = 12  # taps per phase either side of the sample


def _tp_phases() -> np.ndarray:
    taps = 2 * _TP_HALF * _TP_UP + 1
    n = np.arange(taps) - (taps - 1) / 2
    cutoff = 0.9 / _TP_UP  # of the new Nyquist: 90 % of the original band
    h = cutoff * np.sinc(cutoff * n) * np.kaiser(taps, 8.0)
    h *= _TP_UP / h.sum()  # unity gain after inserting 3 zeros between samples
    # value at i + k/4 = sum_m h[k + 4m] x[i + 12 - m]
    phases = np.zeros((_TP_UP - 1, 2 * _TP_HALF + 1))
    for k in range(1, _TP_UP):
        taps = h[k::_TP_UP]
        phases[k - 1, : taps.size] = taps
    return phases  # phases[k-1, m] multiplies x[i + 12 - m]


class TruePeakMeter:
    """Sample peak and 4x-oversampled true peak, per channel, streaming.

    Why not oversample everything: it is the slowest step of the analysis. An inter-sample
    peak of band-limited audio lies within a few dB of the samples around it, so only the
    samples within 6 dB of the chunk's peak (and their neighbours) are interpolated.
    """

    def __init__(self, channels: int) -> None:
        self._phases = _tp_phases()
        self._tail = np.zeros((channels, 2 * _TP_HALF))
        self.sample_peak = np.zeros(channels)
        self.true_peak = np.zeros(channels)

    def feed(self, pcm: np.ndarray, final: bool = False) -> None:
        a = np.abs(pcm)
        if a.size:
            self.sample_peak = np.maximum(self.sample_peak, a.max(axis=1))
        x = np.concatenate((self._tail, pcm), axis=1)
        if final:
            x = np.concatenate((x, np.zeros((x.shape[0], 2 * _TP_HALF))), axis=1)
        self._tail = x[:, x.shape[1] - 2 * _TP_HALF :]
        lo, hi = _TP_HALF, x.shape[1] - _TP_HALF - 1
        if hi <= lo:
            return
        offsets = _TP_HALF - np.arange(2 * _TP_HALF + 1)
        for c in range(x.shape[0]):
            xc = x[c]
            core = np.abs(xc[lo:hi])
            peak = core.max(initial=0.0)
            if peak <= 0:
                continue
            hot = core >= peak * 0.5
            hot[:-1] |= hot[1:]  # and the sample before: the peak may lie either side
            idx = np.flatnonzero(hot) + lo
            values = np.einsum("im,km->ik", xc[idx[:, None] + offsets[None, :]], self._phases)
            self.true_peak[c] = max(self.true_peak[c], float(np.abs(values).max(initial=0.0)))
        self.true_peak = np.maximum(self.true_peak, self.sample_peak)


class ClipRunCounter:
    """Runs of consecutive samples at or above a level, by length, streaming per channel.

    A histogram of run lengths (1 .. ``MAX_RUN``, longer runs in the last bin with their
    samples summed) lets a check choose its minimum run after the audio was read.
    """

    MAX_RUN = 64

    def __init__(self, channels: int, threshold_dbfs: float = -0.1) -> None:
        self.level = 10.0 ** (threshold_dbfs / 20.0)
        self._open = np.zeros(channels, dtype=np.int64)  # length of a run still going on
        self.counts = np.zeros(self.MAX_RUN + 1, dtype=np.int64)
        self.long_samples = 0  # samples in runs longer than MAX_RUN

    def _add(self, lengths: np.ndarray) -> None:
        lengths = lengths[lengths > 0]
        long = lengths >= self.MAX_RUN
        self.long_samples += int(lengths[long].sum())
        self.counts += np.bincount(np.minimum(lengths, self.MAX_RUN), minlength=self.MAX_RUN + 1)

    def feed(self, pcm: np.ndarray) -> None:
        for c in range(pcm.shape[0]):
            hot = np.abs(pcm[c]) >= self.level
            if not hot.any():
                self._add(self._open[c : c + 1])
                self._open[c] = 0
                continue
            edges = np.diff(np.concatenate(([0], hot.view(np.int8), [0])))
            starts = np.flatnonzero(edges == 1)
            ends = np.flatnonzero(edges == -1)
            lengths = ends - starts
            if starts[0] == 0:
                lengths[0] += self._open[c]
            elif self._open[c]:
                self._add(self._open[c : c + 1])
            if ends[-1] == hot.size:  # still clipping at the chunk's end
                self._open[c] = lengths[-1]
                lengths = lengths[:-1]
            else:
                self._open[c] = 0
            self._add(lengths)

    def finish(self) -> None:
        self._add(self._open)
        self._open[:] = 0

    def runs_and_samples(self, min_run: int) -> tuple[int, int]:
        """(runs, samples in them) counting runs of at least ``min_run`` samples."""
        m = max(1, min(min_run, self.MAX_RUN))
        lengths = np.arange(self.MAX_RUN + 1)
        short = self.counts[m : self.MAX_RUN]
        samples = int((short * lengths[m : self.MAX_RUN]).sum()) + self.long_samples
        return int(self.counts[m:].sum()), samples
