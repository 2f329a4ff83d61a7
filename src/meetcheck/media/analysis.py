"""One pass over a microphone recording that measures everything the audio checks judge.

Why one streaming pass: a speaker's test recording may be any length (a one-hour file
too), and decoding is the slow part, so each chunk is decoded once and fed to every meter;
every meter keeps histograms or fixed-size sums, never the samples, so memory does not
grow with the recording's length.

What is kept, all from the mono mix (the mean of the channels) unless said otherwise:

* P.56 active level (per channel too), BS.1770 gated loudness, sample and true peak,
  clipping runs, DC (per channel);
* a histogram of 10 ms block levels (with their power) for the noise floor: the mean
  power of the blocks within 3 dB of the quietest fifth of blocks, i.e. the pauses;
* power spectra of ~170 ms Hann frames summed by frame level (1 dB classes), so the
  speech spectrum (loud frames) and the pause spectrum (quiet frames) can be told apart
  once the whole file has been read and the speech level is known;
* runs of exact digital zero with the level of the 10 ms either side (dropouts);
* the level over time, merged into at most ``SERIES_POINTS`` buckets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from meetcheck.media.levels import (
    ActiveLevelMeter,
    ClipRunCounter,
    LoudnessMeter,
    TruePeakMeter,
)

FLOOR_DBFS = -120.0  # quieter than this is reported as this: digital silence
SERIES_POINTS = 240
_BLOCK_S = 0.01
_BLOCK_BINS_DB = (-150.0, 10.0, 0.1)  # 10 ms block level histogram: low, high, step
_FRAME_BINS_DB = (-130.0, 10.0, 1.0)  # spectrum frames by level
_FRAME_EVERY = 2  # spectra of every other frame
_NOISE_QUANTILE = 0.2
_NOISE_WINDOW_DB = 3.0
_SPEECH_OVER_NOISE_DB = 6.0  # a steady sound this close to its own floor is not speech
_NOISE_MARGIN_DB = 3.0  # P.56 thresholds this close to the noise floor count the noise
_GATED_SHARE = 0.02  # 2 % of 10 ms blocks digitally silent: gated, not dropouts
_DROPOUT_SIDE_S = 0.002  # a cut is abrupt: speech right up to it, and right after
_DROPOUT_MIN_RECORD_S = 0.001
_DROPOUT_MAX_RECORDED = 10000
_BANDS = ((5000.0, "narrowband"), (9000.0, "wideband"), (13000.0, "super-wideband"))
BAND_CLASSES = ("narrowband", "wideband", "super-wideband", "fullband")
HUM_BASES_HZ = (50.0, 60.0)
HUM_HARMONICS = 8


def _db(power: float) -> float:
    return 10.0 * math.log10(power) if power > 0 else -math.inf


def floor_db(value: float) -> float:
    """A level for a report: finite, at least FLOOR_DBFS, two decimals."""
    if not math.isfinite(value) or value < FLOOR_DBFS:
        return FLOOR_DBFS if value < 0 or math.isnan(value) else round(value, 2)
    return round(value, 2)


def _mean_square(rows: np.ndarray) -> np.ndarray:
    """Mean square of each row (einsum: faster than a mean over axis 1, and unlike a matrix
    product it never wakes BLAS threads, which only contend on a busy machine)."""
    return np.einsum("ij,ij->i", rows, rows) / rows.shape[1] if rows.size else np.zeros(0)


def band_class(edge_hz: float) -> str:
    """narrowband (telephone, ~3.4 kHz), wideband (~7 kHz), super-wideband (~11-12 kHz)
    or fullband (15 kHz and above), split half-way between the nominal band edges."""
    for limit, name in _BANDS:
        if edge_hz < limit:
            return name
    return "fullband"


def frame_size(sample_rate: int) -> int:
    """Power-of-two FFT frame of about 170 ms: ~6 Hz bins at 48 kHz, fine enough for hum."""
    return 1 << max(8, int(round(math.log2(sample_rate * 0.17))))


@dataclass
class Dropout:
    start_s: float
    length_s: float
    before_dbfs: float
    after_dbfs: float = -math.inf


@dataclass
class AudioAnalysis:
    """What one recording measured; levels in dBFS (full-scale peak 1.0)."""

    sample_rate: int
    channels: int
    codec: str = ""
    container: str = ""
    layout: str = ""
    duration_s: float = 0.0
    active_level_dbfs: float = -math.inf
    speech_level_dbfs: float = -math.inf  # active level less the noise under it
    loudness_lufs: float = -math.inf
    peak_dbfs: float = -math.inf
    true_peak_dbtp: float = -math.inf
    speech_s: float = 0.0
    noise_floor_dbfs: float = -math.inf
    snr_db: float = math.inf
    has_pauses: bool = False
    gated: bool = False  # much digital silence: a noise gate, suppressor or synthetic voice
    channel_levels_dbfs: list[float] = field(default_factory=list)
    channel_peaks_dbfs: list[float] = field(default_factory=list)
    dc: list[float] = field(default_factory=list)  # mean per channel, full scale 1.0
    clip_counter: ClipRunCounter | None = None
    samples: int = 0  # per channel
    bandwidth_hz: float = 0.0
    low_hz: float = 0.0
    band: str = ""
    hum_dbfs: float = -math.inf
    hum_hz: float = 0.0
    dropouts: list[Dropout] = field(default_factory=list)
    level_series: list[tuple[float, float]] = field(default_factory=list)  # (s, dBFS)
    spectrum: list[tuple[float, float]] = field(default_factory=list)  # (Hz, dB re peak)
    noise_spectrum: list[tuple[float, float]] = field(default_factory=list)

    @property
    def has_speech(self) -> bool:
        return self.speech_s > 0

    def clipped(self, min_run: int) -> tuple[int, float]:
        """(runs, fraction of all samples in them) for runs of at least ``min_run``."""
        if self.clip_counter is None or self.samples == 0:
            return 0, 0.0
        runs, samples = self.clip_counter.runs_and_samples(min_run)
        return runs, samples / (self.samples * self.channels)

    def dropouts_inside_speech(self, min_s: float, max_s: float = 0.5) -> list[Dropout]:
        """Digital silences of ``min_s``..``max_s`` with speech on both sides."""
        if self.gated:
            return []
        gate = self.active_level_dbfs - 20.0
        return [
            d
            for d in self.dropouts
            if min_s <= d.length_s + 1e-9 <= max_s
            and d.before_dbfs >= gate
            and d.after_dbfs >= gate
        ]

    def series(self) -> dict[str, Any]:
        """Small series for a report's charts."""
        return {
            "level_over_time": [[round(t, 2), floor_db(v)] for t, v in self.level_series],
            "speech_spectrum": [[round(f), round(v, 1)] for f, v in self.spectrum],
            "pause_spectrum": [[round(f), round(v, 1)] for f, v in self.noise_spectrum],
        }


class AudioAnalyzer:
    """Feed (channels, n) float chunks in order, then call :meth:`finish`."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.sr = sample_rate
        self.ch = channels
        self.mix_level = ActiveLevelMeter(sample_rate)
        self.channel_level = [ActiveLevelMeter(sample_rate) for _ in range(channels)]
        self.loudness = LoudnessMeter(sample_rate, channels)
        self.peaks = TruePeakMeter(channels)
        self.clips = ClipRunCounter(channels)
        self.sums = np.zeros(channels)
        self._warmup: list[np.ndarray] | None = []
        self.samples = 0
        # 10 ms blocks of the mix
        self._block = max(1, int(round(_BLOCK_S * sample_rate)))
        lo, hi, step = _BLOCK_BINS_DB
        self._bb = np.arange(lo, hi, step)
        self.block_counts = np.zeros(self._bb.size, dtype=np.int64)
        self.block_power = np.zeros(self._bb.size)
        self._btail = np.zeros(0)
        self._rtail = np.zeros(0)
        self.zero_blocks = 0  # 10 ms blocks of digital silence, as recorded
        # spectrum frames
        self.nfft = frame_size(sample_rate)
        self._win = np.hanning(self.nfft)
        self._wnorm = 2.0 / (self.nfft * float(np.sum(self._win**2)))
        lo, hi, step = _FRAME_BINS_DB
        self._fb = np.arange(lo, hi, step)
        self.frame_counts = np.zeros(self._fb.size, dtype=np.int64)
        self.frame_spectra = np.zeros((self._fb.size, self.nfft // 2 + 1))
        self._ftail = np.zeros(0)
        self._frame_no = 0
        # dropouts
        self._side = max(1, int(round(_DROPOUT_SIDE_S * sample_rate)))
        self._min_zero = max(1, int(round(_DROPOUT_MIN_RECORD_S * sample_rate)))
        self._prev = np.zeros(0)  # the last `side` samples of the mix
        self._zero_open: tuple[int, float] | None = None  # (start, level before)
        self._pending: list[tuple[Dropout, np.ndarray]] = []
        self.dropouts: list[Dropout] = []
        # level over time: 100 ms buckets, merged pairwise when there are too many
        self._span = max(1, int(round(0.1 * sample_rate)))
        self._stail = np.zeros(0)
        self._series: list[float] = []  # mean power per bucket
        self._open_sum, self._open_n = 0.0, 0  # the bucket being filled
        self._bucket_blocks = 1

    # -- feeding -----------------------------------------------------------------------

    def feed(self, pcm: np.ndarray) -> None:
        pcm = np.asarray(pcm, dtype=np.float64)
        if pcm.ndim == 1:
            pcm = pcm[None, :]
        if pcm.shape[1] == 0:
            return
        if self._warmup is not None:  # the first second sets the DC estimate, whatever
            self._warmup.append(pcm)  # the chunk size
            if sum(p.shape[1] for p in self._warmup) < self.sr:
                return
            pcm = np.concatenate(self._warmup, axis=1)
            self._warmup = None
        self._process(pcm)

    def _process(self, pcm: np.ndarray) -> None:
        raw_mix = pcm[0] if self.ch == 1 else pcm.mean(axis=0)
        ac = self._dc_block(pcm)  # levels, noise and spectra: a DC offset is not sound
        mix = ac[0] if self.ch == 1 else ac.mean(axis=0)
        self.mix_level.feed(mix)
        if self.ch > 1:
            for c in range(self.ch):
                self.channel_level[c].feed(ac[c])
        self.loudness.feed(pcm)  # K-weighting has its own high-pass
        self.peaks.feed(pcm)
        self.clips.feed(pcm)
        self._blocks(mix, raw_mix)
        self._frames(mix)
        self._zeros(raw_mix)  # digital zeros are in the samples as recorded
        self._level_series(mix)
        self.samples += pcm.shape[1]

    def _dc_block(self, pcm: np.ndarray) -> np.ndarray:
        """The samples less the DC offset, estimated as the mean of everything read so far.

        Why so simple: an offset comes from the converter and is constant; speech itself
        averages to zero within a second, so the running mean finds the offset at once and
        subtracting a constant leaves every frequency of the voice untouched (a 10 Hz
        high-pass cost as much as the whole level measurement).
        """
        self.sums += pcm.sum(axis=1)
        dc = self.sums / (self.samples + pcm.shape[1])
        return pcm - dc[:, None]

    @staticmethod
    def _split(tail: np.ndarray, x: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        if tail.size:
            x = np.concatenate((tail, x))
        n = x.size // size
        return x[: n * size].reshape(n, size), x[n * size :].copy()

    def _bin(self, levels_db: np.ndarray, edges: np.ndarray, step: float) -> np.ndarray:
        idx = np.floor((levels_db - edges[0]) / step)
        idx = np.nan_to_num(idx, nan=0.0, neginf=0.0, posinf=edges.size - 1)
        return np.clip(idx, 0, edges.size - 1).astype(np.int64)

    def _blocks(self, mix: np.ndarray, raw: np.ndarray) -> None:
        blocks, self._btail = self._split(self._btail, mix, self._block)
        raw_blocks, self._rtail = self._split(self._rtail, raw, self._block)
        if not len(blocks):
            return
        self.zero_blocks += int(np.count_nonzero(~raw_blocks.any(axis=1)))
        power = _mean_square(blocks)
        with np.errstate(divide="ignore"):
            idx = self._bin(10.0 * np.log10(power), self._bb, _BLOCK_BINS_DB[2])
        self.block_counts += np.bincount(idx, minlength=self._bb.size)
        self.block_power += np.bincount(idx, weights=power, minlength=self._bb.size)

    def _frames(self, mix: np.ndarray) -> None:
        frames, self._ftail = self._split(self._ftail, mix, self.nfft)
        # every other frame: the spectra are averages, and the FFT is the costly part
        keep = (self._frame_no + np.arange(len(frames))) % _FRAME_EVERY == 0
        self._frame_no += len(frames)
        frames = frames[keep]
        if not len(frames):
            return
        power = _mean_square(frames)
        with np.errstate(divide="ignore"):
            idx = self._bin(10.0 * np.log10(power), self._fb, _FRAME_BINS_DB[2])
        spec = np.fft.rfft(frames * self._win, axis=1)
        power = spec.real**2 + spec.imag**2
        for k in np.unique(idx):
            self.frame_spectra[k] += power[idx == k].sum(axis=0) * self._wnorm
        self.frame_counts += np.bincount(idx, minlength=self._fb.size)

    @staticmethod
    def _rms_db(x: np.ndarray) -> float:
        return _db(float(np.einsum("i,i->", x, x)) / x.size) if x.size else -math.inf

    def _zeros(self, mix: np.ndarray) -> None:
        base = self.samples
        side = self._side
        # complete the "after" level of silences that ended near the previous chunk's end
        still: list[tuple[Dropout, np.ndarray]] = []
        for drop, part in self._pending:
            part = np.concatenate((part, mix[: side - part.size]))
            if part.size >= side or mix.size >= side:
                drop.after_dbfs = self._rms_db(part)
            else:
                still.append((drop, part))
        self._pending = still
        buf = np.concatenate((self._prev, mix))
        off = self._prev.size
        self._prev = buf[-side:].copy()
        zero = mix == 0.0
        if not zero.any() and self._zero_open is None:
            return
        edges = np.diff(np.concatenate(([0], zero.view(np.int8), [0])))
        starts = list(np.flatnonzero(edges == 1))
        ends = list(np.flatnonzero(edges == -1))
        runs: list[tuple[int, int, float]] = []  # absolute start, absolute end, before dB
        if self._zero_open is not None:
            start, before = self._zero_open
            self._zero_open = None
            if starts and starts[0] == 0:
                starts.pop(0)
                end = ends.pop(0)
                if end == mix.size:
                    self._zero_open = (start, before)
                else:
                    runs.append((start, base + end, before))
            else:
                runs.append((start, base, before))
        if ends and ends[-1] == mix.size:  # a silence still going on at the chunk's end
            s = starts.pop()
            ends.pop()
            self._zero_open = (base + s, self._rms_db(buf[max(0, s + off - side) : s + off]))
        s_arr, e_arr = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
        long = (e_arr - s_arr) >= self._min_zero
        for s, e in zip(s_arr[long].tolist(), e_arr[long].tolist(), strict=True):
            runs.append((base + s, base + e, self._rms_db(buf[max(0, s + off - side) : s + off])))
        for start, end, before in runs:
            if end - start < self._min_zero or len(self.dropouts) >= _DROPOUT_MAX_RECORDED:
                continue
            drop = Dropout(start / self.sr, (end - start) / self.sr, before)
            self.dropouts.append(drop)
            local = end - base
            after = mix[local : local + side]
            if after.size >= side:
                drop.after_dbfs = self._rms_db(after)
            else:
                self._pending.append((drop, after.copy()))

    def _level_series(self, mix: np.ndarray) -> None:
        buckets, self._stail = self._split(self._stail, mix, self._span)
        for power in _mean_square(buckets).tolist():
            self._open_sum += power
            self._open_n += 1
            if self._open_n < self._bucket_blocks:
                continue
            self._series.append(self._open_sum / self._open_n)
            self._open_sum, self._open_n = 0.0, 0
            if len(self._series) >= 2 * SERIES_POINTS:  # merge pairs: half as many, twice as long
                s = self._series
                self._series = [(s[i] + s[i + 1]) / 2 for i in range(0, len(s) - 1, 2)]
                self._bucket_blocks *= 2

    # -- results -----------------------------------------------------------------------

    def _noise_floor(self) -> tuple[float, bool]:
        """Mean power of the quietest blocks (the pauses), and whether there were pauses."""
        total = int(self.block_counts.sum())
        if total == 0:
            return -math.inf, False
        cum = np.cumsum(self.block_counts)
        q = int(np.searchsorted(cum, _NOISE_QUANTILE * total))
        top = min(self._bb.size, q + int(round(_NOISE_WINDOW_DB / _BLOCK_BINS_DB[2])) + 1)
        count = int(self.block_counts[:top].sum())
        power = float(self.block_power[:top].sum()) / count if count else 0.0
        return _db(power), True

    def _gated(self) -> bool:
        """Whether digital silence is common (a gate): then a silent gap is no dropout."""
        total = int(self.block_counts.sum())
        return bool(total) and self.zero_blocks >= _GATED_SHARE * total

    def _speech_seconds(self, active: float, noise: float) -> float:
        if not math.isfinite(active) or active < -70.0:
            return 0.0
        if math.isfinite(noise) and active - noise < _SPEECH_OVER_NOISE_DB:
            return 0.0
        gate = active - 15.9
        if math.isfinite(noise):
            gate = max(gate, noise + _SPEECH_OVER_NOISE_DB)
        first = int(np.searchsorted(self._bb, gate))
        return float(self.block_counts[first:].sum()) * self._block / self.sr

    def _spectra(self, active: float, noise: float) -> tuple[np.ndarray, np.ndarray, int]:
        """Mean power spectrum of the speech frames and of the pause frames."""
        loud = max(active - 12.0, noise + 10.0) if math.isfinite(noise) else active - 12.0
        first = int(np.searchsorted(self._fb, loud))
        n = int(self.frame_counts[first:].sum())
        if n == 0:  # short or odd audio: take every frame above the floor
            first = 1
            n = int(self.frame_counts[first:].sum())
        speech = self.frame_spectra[first:].sum(axis=0) / max(n, 1)
        if math.isfinite(noise):
            quiet_top = int(np.searchsorted(self._fb, noise + _NOISE_WINDOW_DB, side="right"))
        else:  # digital silence in the pauses: the quietest fifth of the frames
            cum = np.cumsum(self.frame_counts)
            quiet_top = int(np.searchsorted(cum, _NOISE_QUANTILE * cum[-1])) + 1
        nq = int(self.frame_counts[:quiet_top].sum())
        pause = self.frame_spectra[:quiet_top].sum(axis=0) / max(nq, 1)
        return speech, pause, nq

    def _bandwidth(self, speech: np.ndarray, pause: np.ndarray) -> tuple[float, float]:
        """(upper, lower) edge of the speech: the outermost 1/12-octave bands whose power is
        within 60 dB of the strongest speech band and 10 dB above the pauses' power."""
        freqs = np.fft.rfftfreq(self.nfft, 1.0 / self.sr)
        centres = 1000.0 * 2.0 ** (np.arange(-48, 60) / 12.0)  # 62.5 Hz .. 31 kHz
        centres = centres[(centres >= 50.0) & (centres * 2 ** (1 / 24) <= self.sr / 2)]
        s_band, n_band = [], []
        df = freqs[1]
        for c in centres:
            lo = int(math.floor(c * 2 ** (-1 / 24) / df))
            hi = max(lo + 1, int(math.ceil(c * 2 ** (1 / 24) / df)))
            s_band.append(float(speech[lo:hi].mean()))
            n_band.append(float(pause[lo:hi].mean()))
        s_arr, n_arr = np.array(s_band), np.array(n_band)
        core = (centres >= 200.0) & (centres <= 5000.0)
        if not core.any() or s_arr[core].max() <= 0:
            return 0.0, 0.0
        ref = s_arr[core].max()
        ok = (s_arr >= ref * 1e-6) & (s_arr >= n_arr * 2.0)
        peak_i = int(np.flatnonzero(core)[np.argmax(s_arr[core])])
        ok[peak_i] = True
        # the contiguous run of strong bands around the speech's own peak
        upper = peak_i
        while upper + 1 < ok.size and ok[upper + 1 : upper + 3].any():
            upper += 1 if ok[upper + 1] else 2
        lower = peak_i
        while lower - 1 >= 0 and ok[max(0, lower - 2) : lower].any():
            lower -= 1 if ok[lower - 1] else 2
        return float(centres[upper]), float(centres[lower])

    def _hum(self, spectrum: np.ndarray) -> tuple[float, float]:
        """Power of 50 or 60 Hz and harmonics above the spectrum's local background."""
        df = self.sr / self.nfft
        best = (0.0, 0.0)
        for base in HUM_BASES_HZ:
            total = 0.0
            for h in range(1, HUM_HARMONICS + 1):
                k = int(round(h * base / df))
                if k + 14 >= spectrum.size:
                    break
                peak = float(spectrum[k - 2 : k + 3].sum())
                around = np.concatenate(
                    (spectrum[max(0, k - 12) : k - 4], spectrum[k + 5 : k + 13])
                )
                background = float(np.median(around)) * 5 if around.size else 0.0
                if peak > 4.0 * background:  # a tone stands out at least 6 dB
                    total += peak - background
            if total > best[0]:
                best = (total, base)
        return _db(best[0]), best[1]

    def _third_octaves(self, spectrum: np.ndarray) -> list[tuple[float, float]]:
        """Mean power density in third-octave bands, 63 Hz to 20 kHz (for a chart)."""
        df = self.sr / self.nfft
        out = []
        for c in 1000.0 * 2.0 ** (np.arange(-12, 14) / 3.0):
            if c * 2 ** (1 / 6) > self.sr / 2:
                break
            lo = int(math.floor(c * 2 ** (-1 / 6) / df))
            hi = max(lo + 1, int(math.ceil(c * 2 ** (1 / 6) / df)))
            out.append((float(c), float(spectrum[lo:hi].mean())))
        return out

    @staticmethod
    def _relative_db(bands: list[tuple[float, float]], ref: float) -> list[tuple[float, float]]:
        if ref <= 0:
            return []
        return [(f, max(-100.0, _db(v / ref))) for f, v in bands]

    def finish(self) -> AudioAnalysis:
        if self._warmup:
            self._process(np.concatenate(self._warmup, axis=1))
        self._warmup = None
        self.peaks.feed(np.zeros((self.ch, 0)), final=True)
        self.clips.finish()
        if self._zero_open is not None:
            start, before = self._zero_open
            self.dropouts.append(Dropout(start / self.sr, (self.samples - start) / self.sr, before))
        for drop, part in self._pending:
            drop.after_dbfs = self._rms_db(part)
        active = self.mix_level.level()
        noise, pauses = self._noise_floor()
        gated = self._gated()
        if gated:
            noise = -math.inf  # the pauses are digital silence: a gate, a suppressor
        if math.isfinite(noise):
            speech_level = self.mix_level.level(10 ** (noise / 10), noise + _NOISE_MARGIN_DB)
        else:
            speech_level = active
        snr = speech_level - noise if math.isfinite(speech_level) else -math.inf
        out = AudioAnalysis(sample_rate=self.sr, channels=self.ch, samples=self.samples)
        out.duration_s = self.samples / self.sr
        out.active_level_dbfs = active
        out.speech_level_dbfs = speech_level
        out.noise_floor_dbfs = noise
        out.snr_db = snr
        out.has_pauses = pauses
        out.gated = gated
        out.loudness_lufs = self.loudness.integrated()
        out.peak_dbfs = _db(float(self.peaks.sample_peak.max(initial=0.0)) ** 2)
        out.true_peak_dbtp = _db(float(self.peaks.true_peak.max(initial=0.0)) ** 2)
        out.speech_s = self._speech_seconds(active, noise)
        if self.ch > 1:
            out.channel_levels_dbfs = [m.level() for m in self.channel_level]
        else:
            out.channel_levels_dbfs = [active]
        out.channel_peaks_dbfs = [_db(float(p) ** 2) for p in self.peaks.sample_peak]
        out.dc = (self.sums / max(self.samples, 1)).tolist()
        out.clip_counter = self.clips
        out.dropouts = self.dropouts
        bucket_s = self._bucket_blocks * self._span / self.sr
        out.level_series = [(i * bucket_s, _db(p)) for i, p in enumerate(self._series)]
        if self.frame_counts.sum():
            speech, pause, quiet_frames = self._spectra(active, noise)
            if out.has_speech:
                # the pauses' noise bounds the band; pauses of digital silence bound nothing
                floor = pause if math.isfinite(noise) else np.zeros_like(pause)
                out.bandwidth_hz, out.low_hz = self._bandwidth(speech, floor)
                out.band = band_class(out.bandwidth_hz)
            # hum shows best in the pauses; with no pause frames, the whole recording
            hum_from = (
                pause
                if quiet_frames >= 3
                else self.frame_spectra.sum(axis=0) / max(int(self.frame_counts.sum()), 1)
            )
            out.hum_dbfs, out.hum_hz = self._hum(hum_from)
            bands = self._third_octaves(speech)
            ref = max((v for _, v in bands), default=0.0)  # the chart's 0 dB: the loudest band
            out.spectrum = self._relative_db(bands, ref)
            if quiet_frames:
                out.noise_spectrum = self._relative_db(self._third_octaves(pause), ref)
        return out
