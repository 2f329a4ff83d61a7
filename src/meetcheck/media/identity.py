"""Channel identity and timing marks mixed into each channel's audio.

Why: a delegate's client must be able to tell, from the audio alone, which language it is
really hearing (a crossed channel: French label, Spanish audio) and how late each channel
is against the floor. Labels and metadata cannot show either; a mark in the audio can.
The full specification, with the reasoning and the measured figures, is in
``docs/channel-identity.md``; this is the summary an implementer needs.

Signal (direct-sequence spread spectrum, BPSK, aligned to the programme clock):

* Band 1000-5000 Hz, flat: pseudo-noise waveforms made of every 1/T-spaced cosine in the
  band with fixed pseudo-random phases (phases from SHA-256, so any implementation and any
  numpy version regenerates them bit for bit), 2.5 ms raised-cosine edges.
* Frame = ``MARK_PERIOD_S`` = 2.0 s = 25 slots of 80 ms, starting at programme sample 0
  and at every multiple of the period: slots 0-1 are the timing mark (one 160 ms sync
  waveform, identical on every channel), slots 2-24 carry 23 bits, one per slot, each its
  own waveform sent as +w (bit 0) or -w (bit 1).
* Payload: three 5-bit letters (a=1 .. z=26; 0 = no third letter; "floor" = 0, 0, 0), MSB
  first, then CRC-8 (polynomial 0x07, init 0xFF, MSB first) over those 15 bits. Codes:
  "floor" or two or three lowercase ASCII letters (ISO 639-1 / 639-2/3 style).
* Level: ``level_dbfs`` (default -48 dBFS RMS, 22 dB under the -26 dBFS programme) while
  the programme is active; it follows the programme down (22 dB under its 10 ms level,
  releasing at 60 dB/s, like post-masking) to ``floor_dbfs`` (default -60 dBFS) in pauses,
  where a listener would otherwise hear it as a faint hiss.

Detection (IdentityDecoder, at 12 kHz): resample; whiten in the band (STFT, each bin
divided by its own magnitude, "PHAT"), so loud speech weighs no more than the quiet parts
that carry the mark clearly; correlate with the sync waveform and its quadrature and
express the envelope in units of its own noise (Rayleigh z); accept a mark at z >= 9 and
further marks at z >= 6 where the 2 s period predicts them (+-65 ms: lost packets move
them); correlate every data slot with its waveform (searching the shifts that lost
packets or clock drift explain, and a quarter-sample timing common to all slots),
sign-referenced to the marks, and add the soft values of every frame heard; report a code
when the CRC holds and the estimated probability that all 23 bits are right is >= 0.5.
Unmarked noise or speech peaks near z = 5.5 over 60 s; a CRC miss needs 4 wrong bits.

Delay: marks of two channels decoded from the same instant differ by the channel delay
modulo the period; ``mark_offset_s`` resolves it within [-1 s, +1 s).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import numpy as np

from meetcheck.media.frames import SAMPLE_RATE

MARK_PERIOD_S: float = 2.0
SLOT_S = 0.08
SLOTS_PER_FRAME = 25
SYNC_SLOTS = 2
N_BITS = SLOTS_PER_FRAME - SYNC_SLOTS  # 23 = 15 payload + 8 CRC
BAND_HZ = (1000.0, 5000.0)
EDGE_S = 0.0025
DEFAULT_LEVEL_DBFS = -48.0
FLOOR_BELOW_LEVEL_DB = 12.0
MASKING_MARGIN_DB = 22.0
RELEASE_DB_PER_S = 60.0
GAIN_BLOCK_S = 0.01

ANALYSIS_RATE = 12000  # the decoder works on the 0-6 kHz band only
Z_FIRST = 9.0
Z_NEXT = 6.0
TRACK_TOLERANCE_S = 0.065  # up to three lost 20 ms packets between two marks
MIN_CONFIDENCE = 0.5
PACKET_S = 0.02  # WebRTC Opus packet duration: the unit of loss
_DELAYS = np.arange(-8, 9) / 4.0  # residual timing searched, in samples at ANALYSIS_RATE
_NFFT = 256  # 21 ms at 12 kHz
_HOP = 64
_N_DUMMIES = 8
_DRIFT_MAX = 6  # samples per period at ANALYSIS_RATE (250 ppm) still taken as clock drift

_CODE_RE = re.compile(r"^[a-z]{2,3}$")
FLOOR = "floor"


# --- code <-> bits ---------------------------------------------------------------------


def _crc8(bits: list[int]) -> list[int]:
    reg = 0xFF
    for b in bits:
        top = ((reg >> 7) & 1) ^ b
        reg = (reg << 1) & 0xFF
        if top:
            reg ^= 0x07
    return [(reg >> i) & 1 for i in range(7, -1, -1)]


def encode_code(code: str) -> list[int]:
    """The 23 bits (payload then CRC) that identify `code`; ValueError for a bad code."""
    if code == FLOOR:
        letters = [0, 0, 0]
    elif _CODE_RE.match(code):
        letters = [ord(c) - 96 for c in code] + [0] * (3 - len(code))
    else:
        raise ValueError(f"channel code must be 'floor' or 2-3 lowercase letters: {code!r}")
    payload = [(v >> i) & 1 for v in letters for i in range(4, -1, -1)]
    return payload + _crc8(payload)


def decode_bits(bits: list[int] | np.ndarray) -> str | None:
    """The code for 23 received bits, or None if the CRC or the letter structure is wrong."""
    bits = [int(b) for b in bits]
    if len(bits) != N_BITS or _crc8(bits[:15]) != bits[15:]:
        return None
    letters = [int("".join(map(str, bits[i : i + 5])), 2) for i in range(0, 15, 5)]
    if letters == [0, 0, 0]:
        return FLOOR
    if not (1 <= letters[0] <= 26 and 1 <= letters[1] <= 26 and 0 <= letters[2] <= 26):
        return None
    return "".join(chr(96 + v) for v in letters if v)


# --- waveforms -------------------------------------------------------------------------


def _phases(label: str, count: int) -> np.ndarray:
    """Uniform phases in [0, 2pi) from SHA-256 in counter mode: portable, version-proof."""
    words: list[int] = []
    counter = 0
    while len(words) < count:
        digest = hashlib.sha256(f"meetcheck-identity-v1/{label}/{counter}".encode()).digest()
        words.extend(int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4))
        counter += 1
    return np.array(words[:count], dtype=np.float64) / 2.0**32 * 2.0 * np.pi


def _check_rate(sample_rate: int) -> int:
    slot = SLOT_S * sample_rate
    if abs(slot - round(slot)) > 1e-9 or sample_rate < 2.4 * BAND_HZ[1]:
        raise ValueError(f"unsupported sample rate for identity marks: {sample_rate}")
    return int(round(slot))


def _pn(label: str, n: int, sample_rate: int) -> np.ndarray:
    """Unit-RMS band-limited pseudo-noise of n samples: all in-band bins, fixed phases."""
    duration = n / sample_rate
    k_lo = int(math.ceil(BAND_HZ[0] * duration))
    k_hi = int(math.floor(BAND_HZ[1] * duration))
    spec = np.zeros(n // 2 + 1, dtype=np.complex128)
    spec[k_lo : k_hi + 1] = np.exp(1j * _phases(label, k_hi - k_lo + 1))
    wave = np.fft.irfft(spec, n)
    wave /= np.sqrt(np.mean(wave**2))
    edge = int(round(EDGE_S * sample_rate))
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(edge) + 0.5) / edge)
    wave[:edge] *= ramp
    wave[n - edge :] *= ramp[::-1]
    return wave


@dataclass(frozen=True)
class _Templates:
    slot: int
    frame: int
    sync: np.ndarray
    bits: np.ndarray  # (N_BITS, slot)
    dummies: np.ndarray  # (_N_DUMMIES, slot): never sent, they measure the noise
    scale: float  # makes a whole frame unit RMS


@cache
def _templates(sample_rate: int) -> _Templates:
    slot = _check_rate(sample_rate)
    sync = _pn("sync", SYNC_SLOTS * slot, sample_rate)
    bits = np.stack([_pn(f"bit{j}", slot, sample_rate) for j in range(N_BITS)])
    dummies = np.stack([_pn(f"dummy{j}", slot, sample_rate) for j in range(_N_DUMMIES)])
    power = (np.sum(sync**2) + np.sum(bits**2)) / (SLOTS_PER_FRAME * slot)
    for arr in (sync, bits, dummies):
        arr.setflags(write=False)
    return _Templates(slot, SLOTS_PER_FRAME * slot, sync, bits, dummies, 1.0 / math.sqrt(power))


@cache
def _frame_wave(code: str, sample_rate: int) -> np.ndarray:
    t = _templates(sample_rate)
    signs = [1.0 - 2.0 * b for b in encode_code(code)]
    wave = np.concatenate([t.sync] + [s * w for s, w in zip(signs, t.bits, strict=True)])
    wave = (wave * t.scale).astype(np.float32)
    wave.setflags(write=False)
    return wave


# --- encoder ---------------------------------------------------------------------------


class IdentityEncoder:
    """Mixes one channel's identity and the shared timing marks into its programme audio.

    Stateful only for the level follower: consecutive calls (start_sample continuing where
    the previous call ended) give the same output as one call on the whole signal, up to the
    10 ms blocks the level is measured on. A jump in start_sample resets the follower.
    """

    def __init__(
        self,
        code: str,
        sample_rate: int = SAMPLE_RATE,
        level_dbfs: float = DEFAULT_LEVEL_DBFS,
        *,
        floor_dbfs: float | None = None,
    ) -> None:
        self.code = code
        self.sample_rate = sample_rate
        self.level_dbfs = level_dbfs
        self.floor_dbfs = level_dbfs - FLOOR_BELOW_LEVEL_DB if floor_dbfs is None else floor_dbfs
        if self.floor_dbfs > level_dbfs:
            raise ValueError("floor_dbfs must not exceed level_dbfs")
        self._wave = _frame_wave(code, sample_rate)
        self._block = max(1, int(round(GAIN_BLOCK_S * sample_rate)))
        self._gain_db: float | None = None
        self._next_sample: int | None = None

    def marks(self, start_sample: int, n: int) -> np.ndarray:
        """The bare mark signal at unit RMS for programme samples [start, start + n)."""
        idx = (np.int64(start_sample) + np.arange(n, dtype=np.int64)) % len(self._wave)
        return self._wave[idx]

    def _gains(self, pcm: np.ndarray, start_sample: int) -> np.ndarray:
        """Per-sample linear gain: level_dbfs, or 22 dB under the programme, never < floor."""
        n = len(pcm)
        if self.floor_dbfs == self.level_dbfs:
            return np.full(n, 10.0 ** (self.level_dbfs / 20.0), dtype=np.float32)
        if self._next_sample != start_sample:
            self._gain_db = None
        gains = np.empty(n, dtype=np.float32)
        prev = self._gain_db
        for a in range(0, n, self._block):
            b = min(n, a + self._block)
            ms = float(np.mean(np.square(pcm[a:b], dtype=np.float64)))
            local = 10.0 * math.log10(ms) if ms > 0 else -200.0
            target = min(self.level_dbfs, max(self.floor_dbfs, local - MASKING_MARGIN_DB))
            if prev is not None:
                target = max(target, prev - RELEASE_DB_PER_S * (b - a) / self.sample_rate)
            start = target if prev is None else prev
            gains[a:b] = 10.0 ** (np.linspace(start, target, b - a, endpoint=False) / 20.0)
            prev = target
        self._gain_db = prev
        self._next_sample = start_sample + n
        return gains

    def apply(self, pcm: np.ndarray, start_sample: int) -> np.ndarray:
        """pcm: float32 mono in [-1, 1], any length; start_sample: programme-clock index of
        pcm[0] (all channels share the programme clock, so marks line up across channels).
        Returns pcm with marks mixed in (clipped safely)."""
        pcm = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if pcm.size == 0:
            return pcm.copy()
        mixed = pcm + self.marks(start_sample, len(pcm)) * self._gains(pcm, start_sample)
        return np.clip(mixed, -1.0, 1.0).astype(np.float32, copy=False)


# --- decoder ---------------------------------------------------------------------------


@dataclass
class Detection:
    code: str | None  # decoded channel code, None if not (yet) found
    confidence: float  # 0..1: estimated probability that all 23 bits are right
    marks_s: list[float] = field(default_factory=list)  # mark times from the first sample fed
    samples: int = 0  # how much audio was fed
    mark_z: list[float] = field(default_factory=list)  # strength of each mark (robust z)
    bit_z: list[float] = field(default_factory=list)  # soft value of each bit / its noise


def _fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n: FFT sizes pocketfft handles quickly."""
    best = 1 << int(math.ceil(math.log2(max(n, 1))))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def _resample(x: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Band-limited resampling through one FFT (exact for every frequency kept)."""
    if rate == new_rate:
        return x
    ratio = Fraction(new_rate, rate)
    q = ratio.denominator
    size = q * _fast_len(-(-len(x) // q))
    m = size * ratio.numerator // q
    spec = np.fft.rfft(x, size)
    out = np.zeros(m // 2 + 1, dtype=np.complex128)
    keep = min(len(spec), m // 2)  # below the new Nyquist frequency
    out[:keep] = spec[:keep]
    return np.fft.irfft(out, m)[: int(round(len(x) * ratio))] * float(ratio)


def _shift(y: np.ndarray, frac: float) -> np.ndarray:
    """y advanced by a fraction of a sample: result[i] = y(i + frac), band-limited."""
    size = _fast_len(len(y))
    spec = np.fft.rfft(y, size)
    spec *= np.exp(2j * np.pi * np.fft.rfftfreq(size) * frac)
    return np.fft.irfft(spec, size)[: len(y)]


def _whiten(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Band-limit to the mark band and flatten every STFT bin to unit magnitude (PHAT).

    Why: speech is loud, coloured and harmonic; dividing each time-frequency bin by its
    own magnitude lets the quiet bins between harmonics and the pauses, where the mark is
    clear, count as much as the loud ones. It gains 4-8 dB over plain correlation.
    """
    n = len(x)
    window = np.hanning(_NFFT + 1)[:-1]
    overlap = _NFFT // _HOP
    count = -(-(n + _NFFT) // _HOP)
    padded = np.zeros((count + overlap) * _HOP)
    padded[_NFFT : _NFFT + n] = x
    freqs = np.fft.rfftfreq(_NFFT, 1.0 / sample_rate)
    lo = int(np.searchsorted(freqs, BAND_HZ[0] * 0.95))
    hi = int(np.searchsorted(freqs, BAND_HZ[1] * 1.05))
    blocks = np.zeros((count + overlap, _HOP))
    step = 8192  # frames per batch: bounds memory on long inputs
    for first in range(0, count, step):
        last = min(count, first + step)
        idx = np.arange(first, last)[:, None] * _HOP + np.arange(_NFFT)
        band = np.fft.rfft(padded[idx] * window, axis=1)[:, lo:hi]
        full = np.zeros((last - first, _NFFT // 2 + 1), dtype=np.complex128)
        full[:, lo:hi] = band / (np.abs(band) + 1e-12)
        frames = np.fft.irfft(full, _NFFT, axis=1) * window
        for q in range(overlap):  # overlap-add, one hop-sized block at a time
            blocks[first + q : last + q] += frames[:, q * _HOP : (q + 1) * _HOP]
    return blocks.reshape(-1)[_NFFT : _NFFT + n]


def _xcorr(y: np.ndarray, template: np.ndarray) -> np.ndarray:
    """c[k] = sum_i y[k+i] * template[i] for every k where the template fits."""
    size = _fast_len(len(y) + len(template))
    c = np.fft.irfft(np.fft.rfft(y, size) * np.conj(np.fft.rfft(template, size)), size)
    return c[: len(y) - len(template) + 1]


def _hilbert(x: np.ndarray) -> np.ndarray:
    """The quadrature (90-degree shifted) version of a real waveform."""
    spec = np.fft.rfft(x) * -1j
    spec[0] = 0.0
    if len(x) % 2 == 0:
        spec[-1] = 0.0
    return np.fft.irfft(spec, len(x))


def _delayed(templates: np.ndarray, delay: float) -> np.ndarray:
    """Templates delayed by a fraction of a sample (circular; their edges are zero)."""
    size = templates.shape[-1]
    spec = np.fft.rfft(templates, axis=-1)
    spec *= np.exp(-2j * np.pi * np.fft.rfftfreq(size) * delay)
    return np.fft.irfft(spec, size, axis=-1)


def _envelope_z(y: np.ndarray, sync: np.ndarray, sync_q: np.ndarray) -> np.ndarray | None:
    """Sync correlation envelope in units of its own noise, window by window.

    Why the envelope: the correlation itself oscillates at the 3 kHz band centre, so its
    sampled peak depends on the sub-sample delay and, after a codec, a neighbouring lobe
    can win; the envelope (in-phase and quadrature correlations) has one smooth peak.
    Why window by window: digital silence (zero energy) would pull a global median down
    and make speech look significant. Under no mark, each correlation has variance
    kappa * E[k], E the energy of y under the template; kappa is fitted on the lags with
    full energy (median of c^2/E over the median of chi-square with one degree of
    freedom), so the result is Rayleigh-distributed with unit scale.
    """
    c = _xcorr(y, sync)
    q = _xcorr(y, sync_q)
    width = len(sync)
    sums = np.concatenate(([0.0], np.cumsum(y * y)))
    e = np.maximum(sums[width:] - sums[:-width], 0.0)[: len(c)]
    full = e > 0.5 * np.percentile(e, 95)
    if not full.any():
        return None
    kappa = float(np.median(c[full] ** 2 / e[full])) / 0.4549
    if not kappa > 0:
        return None
    env = np.hypot(c, q)
    return np.divide(env, np.sqrt(kappa * e), out=np.zeros_like(env), where=e > 0)


def _parabola(z: np.ndarray, k: int) -> float:
    """Sub-sample position of a smooth peak at k."""
    if 0 < k < len(z) - 1:
        a, b, d = z[k - 1], z[k], z[k + 1]
        den = a - 2.0 * b + d
        if den < 0:
            return k + 0.5 * float(a - d) / float(den)
    return float(k)


def _find_marks(z: np.ndarray, frame: int, tol: int) -> list[int]:
    """Marks: the strongest z >= Z_FIRST, then every further one the period predicts
    (within +-tol: lost or stretched packets move marks), then the next strongest, ..."""
    marks: list[int] = []
    free = z.copy()
    while len(free):
        k = int(np.argmax(free))
        if free[k] < Z_FIRST:
            break
        found = [k]
        for direction in (1, -1):
            pos = k
            while True:
                pos += direction * frame
                a, b = max(0, pos - tol), min(len(z), pos + tol + 1)
                if a >= b:
                    break
                j = a + int(np.argmax(free[a:b]))
                if free[j] >= Z_NEXT:
                    found.append(j)
                    pos = j
        for j in found:
            free[max(0, j - frame // 2) : j + frame // 2] = 0.0
        marks.extend(found)
    return sorted(marks)


def _frame_plan(
    marks: list[int], n: int, frame: int, packet: int
) -> list[tuple[int, float, np.ndarray]]:
    """(start, scale, offsets) for every frame that overlaps the buffer: data slot j sits
    at start + round(slot offset * scale) + d, for one d in offsets.

    Why offsets: a receiver that leaves lost packets out moves everything after a loss
    20 ms earlier, one that stretches audio moves it by any amount. Between two detected
    marks the period tells how much went missing, and each slot is searched over the
    shifts that explain it (whole packets when it is a multiple of 20 ms, any shift
    otherwise); frames at the ends of the buffer also try up to two lost packets; the
    search costs a little noise margin, never a slot. Why scale: a sender and receiver
    whose clocks differ (audio through a sound card) space marks a few samples more or
    less than the period; slots are spread the same way (the median over the buffer for
    frames at its ends). Frames whose own mark was not detected (under loud speech) are
    placed from their neighbours.
    """
    exact = np.zeros(1, dtype=np.int64)
    ends = np.arange(3, dtype=np.int64) * packet
    pairs = []
    for a, b in zip(marks, marks[1:], strict=False):
        count = max(1, int(round((b - a) / frame)))
        pairs.append((a, b, count, count * frame - (b - a)))
    drifts = [(b - a) / (count * frame) for a, b, count, lost in pairs if abs(lost) <= _DRIFT_MAX]
    drift = float(np.median(drifts)) if drifts else 1.0
    plan: list[tuple[int, float, np.ndarray]] = []
    start = marks[0] - int(round(frame * drift))
    while start + frame > 0:
        plan.append((start, drift, ends))  # before the first mark: losses make slots later
        start -= int(round(frame * drift))
    for a, b, count, lost in pairs:
        packets = int(round(lost / packet))
        for q in range(count):
            if abs(lost) <= _DRIFT_MAX:  # clock drift, not loss
                plan.append((int(round(a + q * (b - a) / count)), (b - a) / (count * frame), exact))
            elif packets > 0 and abs(lost - packets * packet) <= _DRIFT_MAX:
                whole = -np.arange(packets + 1, dtype=np.int64) * packet
                shifts = (whole[:, None] + np.arange(-2, 3)).ravel()
                plan.append((a + q * frame, drift, shifts))
            else:
                shifts = np.arange(min(0, -lost) - 2, max(0, -lost) + 3)
                plan.append((a + q * frame, drift, shifts))
    start = marks[-1]
    while start < n:
        plan.append((start, drift, -ends))  # after the last mark: losses make slots earlier
        start += int(round(frame * drift))
    return plan


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class IdentityDecoder:
    """Finds the timing marks and the channel code in received audio fed in chunks.

    result() analyses the audio fed so far (about 40 ms of CPU per 6 s of audio here), so
    call it when a decision is needed rather than after every 20 ms frame. Only the last
    `max_seconds` are kept and analysed; times still count from the first sample fed.
    Lost packets should be fed as silence of their length (place frames by RTP timestamp),
    which keeps marks_s on time; leaving them out shifts later marks by 20 ms each, but
    the code still decodes.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, *, max_seconds: float = 60.0) -> None:
        if sample_rate < ANALYSIS_RATE:
            raise ValueError(f"sample rate too low for identity marks: {sample_rate}")
        self.sample_rate = sample_rate
        self._t = _templates(ANALYSIS_RATE)
        self._sync_q = _hilbert(self._t.sync)
        # (bit, delay, lane): every data waveform at every residual timing searched
        self._bits = np.stack([_delayed(self._t.bits, d) for d in _DELAYS], axis=1)
        self._max = max(
            int(max_seconds * sample_rate), 3 * self._t.frame * sample_rate // ANALYSIS_RATE
        )
        self._chunks: list[np.ndarray] = []
        self._kept = 0
        self._samples = 0
        self._cached: Detection | None = None

    def feed(self, pcm: np.ndarray) -> None:
        chunk = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if not chunk.size:
            return
        self._chunks.append(chunk.copy())
        self._kept += chunk.size
        self._samples += chunk.size
        self._cached = None
        while self._kept - len(self._chunks[0]) >= self._max:
            self._kept -= len(self._chunks.pop(0))

    def result(self) -> Detection:
        if self._cached is None:
            if len(self._chunks) > 1:
                self._chunks = [np.concatenate(self._chunks)]
            if self._kept > self._max:
                self._chunks = [self._chunks[0][self._kept - self._max :]]
                self._kept = self._max
            self._cached = self._analyse()
        return self._cached

    def _analyse(self) -> Detection:
        t = self._t
        none = Detection(code=None, confidence=0.0, marks_s=[], samples=self._samples)
        if self._kept < (len(t.sync) + t.slot) * self.sample_rate // ANALYSIS_RATE:
            return none
        x = _resample(self._chunks[0].astype(np.float64), self.sample_rate, ANALYSIS_RATE)
        y = _whiten(x, ANALYSIS_RATE)
        n = len(y)
        skipped = (self._samples - self._kept) / self.sample_rate
        z = _envelope_z(y, t.sync, self._sync_q)
        if z is None:
            return none
        marks = _find_marks(z, t.frame, int(round(TRACK_TOLERANCE_S * ANALYSIS_RATE)))
        if not marks:
            return none
        fine = [_parabola(z, m) for m in marks]
        detection = Detection(
            code=None,
            confidence=0.0,
            marks_s=[skipped + p / ANALYSIS_RATE for p in fine],
            samples=self._samples,
            mark_z=[round(float(z[m]), 1) for m in marks],
        )
        # Put the marks on whole samples (one common fraction: the marks share one clock),
        # then find the residual timing, to a quarter sample, that makes the data slots
        # correlate best: the envelope peak is only good to a fraction of a carrier cycle.
        weights = np.array([z[m] for m in marks]) * np.exp(2j * np.pi * np.array(fine))
        frac = float(np.angle(weights.sum()) / (2.0 * np.pi))
        y = _shift(y, frac)
        marks = [int(round(p - frac)) for p in fine]
        bits = self._bits
        soft = np.zeros((len(_DELAYS), N_BITS))
        energy = np.zeros(N_BITS)
        counts = np.zeros(N_BITS, dtype=int)
        dummy_power = 0.0
        packet = int(round(PACKET_S * ANALYSIS_RATE))
        lanes = np.arange(t.slot)
        every = np.arange(len(_DELAYS))
        for start, scale, offsets in _frame_plan(marks, n, t.frame, packet):
            for j in range(N_BITS):
                cand = start + int(round((SYNC_SLOTS + j) * t.slot * scale)) + offsets
                cand = cand[(cand >= 0) & (cand <= n - t.slot)]
                if cand.size == 0:
                    continue
                segs = y[cand[:, None] + lanes]
                values = segs @ bits[j].T  # (candidate, delay)
                best = np.argmax(np.abs(values), axis=0)
                soft[:, j] += values[best, every]
                seg = segs[best[len(_DELAYS) // 2]]
                energy[j] += float(seg @ seg)
                counts[j] += 1
                dummy_power += float(np.sum(np.square(t.dummies @ seg)))
        if counts.min() == 0 or not dummy_power > 0:
            return detection
        d_best = int(np.argmax(np.abs(soft).sum(axis=1)))
        sync = _delayed(t.sync, _DELAYS[d_best])
        polarity = 1.0
        if sum(float(y[m : m + len(sync)] @ sync) for m in marks if 0 <= m <= n - len(sync)) < 0:
            polarity = -1.0
        # Noise of a slot correlation is proportional to the slot's energy (zero in digital
        # silence); the never-sent dummy waveforms measure the constant.
        kappa = dummy_power / (len(t.dummies) * float(energy.sum()))
        bit_z = polarity * soft[d_best] / np.sqrt(kappa * np.maximum(energy, 1e-30))
        detection.bit_z = [round(float(v), 2) for v in bit_z]
        confidence = math.prod(_phi(abs(float(v))) for v in bit_z)
        code = decode_bits((bit_z < 0).astype(int))
        if code is not None and confidence >= MIN_CONFIDENCE:
            detection.code = code
            detection.confidence = confidence
        return detection


def mark_offset_s(
    reference: Detection,
    other: Detection,
    *,
    reference_start_s: float = 0.0,
    other_start_s: float = 0.0,
    period_s: float = MARK_PERIOD_S,
) -> float | None:
    """Delay of `other` relative to `reference` in seconds (positive: `other` is later).

    Both detections count time from their first fed sample; `*_start_s` place those first
    samples on a common clock (e.g. when recording of the two channels began). Marks repeat
    every period, so only the delay modulo the period is observable: the answer is in
    [-period/2, +period/2), i.e. [-1 s, +1 s) with the 2 s period. The estimate is the
    median over all mark pairs, so a few misplaced marks do not move it. None if either
    side has no mark.
    """
    if not reference.marks_s or not other.marks_s:
        return None
    ref = np.asarray(reference.marks_s) + reference_start_s
    oth = np.asarray(other.marks_s) + other_start_s
    diffs = (oth[:, None] - ref[None, :]).ravel()
    angles = 2.0 * np.pi * diffs / period_s
    centre = math.atan2(float(np.mean(np.sin(angles))), float(np.mean(np.cos(angles))))
    centre_s = centre / (2.0 * np.pi) * period_s
    wrapped = (diffs - centre_s + period_s / 2.0) % period_s - period_s / 2.0
    delay = centre_s + float(np.median(wrapped))
    return (delay + period_s / 2.0) % period_s - period_s / 2.0
