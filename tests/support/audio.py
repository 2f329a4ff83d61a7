"""Audio files with known content, written through PyAV, for the audio family's tests."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

# (container format, codec, sample format) by file suffix
CODECS = {
    ".wav": (None, "pcm_s16le"),
    ".flac": (None, "flac"),
    ".ogg": ("ogg", "libopus"),
    ".opus": ("ogg", "libopus"),
    ".mp3": (None, "libmp3lame"),
    ".m4a": ("ipod", "aac"),
}


def write_audio(path: Path, pcm: np.ndarray, sample_rate: int, codec: str | None = None) -> Path:
    """Encode (channels, n) or (n,) float PCM in [-1, 1] into ``path`` (format by suffix)."""
    import av

    x = np.atleast_2d(np.asarray(pcm, dtype=np.float32))
    layout = {1: "mono", 2: "stereo"}[x.shape[0]]
    fmt, default = CODECS[path.suffix]
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec or default, rate=sample_rate, layout=layout)
        if (codec or default) == "libmp3lame":
            stream.bit_rate = 192000
        elif (codec or default) in ("aac", "libopus"):
            stream.bit_rate = 128000
        step = 4800
        for i in range(0, x.shape[1], step):
            part = np.ascontiguousarray(x[:, i : i + step])
            frame = av.AudioFrame.from_ndarray(part, format="fltp", layout=layout)
            frame.sample_rate = sample_rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def sine(amplitude: float, seconds: float, sr: int, freq: float = 997.0) -> np.ndarray:
    t = np.arange(int(round(seconds * sr))) / sr
    return amplitude * np.sin(2 * np.pi * freq * t)


def db(x: float) -> float:
    return 20.0 * math.log10(x)


def lowpass(x: np.ndarray, sr: int, cutoff: float) -> np.ndarray:
    """A brick-wall low-pass: the ground truth of a band-limited microphone."""
    spec = np.fft.rfft(x)
    spec[np.fft.rfftfreq(x.size, 1.0 / sr) > cutoff] = 0
    return np.fft.irfft(spec, x.size)


def voice(seconds: float = 10.0, sr: int = 48000, **kw) -> np.ndarray:
    from meetcheck.media.voice import fullband_voice

    return fullband_voice(seconds, sr, **kw).astype(np.float64)


def with_dropouts(x: np.ndarray, sr: int, count: int) -> np.ndarray:
    """``x`` with ``count`` 20 ms runs of exact zeros at its loudest moments, at least 1 s
    apart: dropouts that cut the speech off, as a busy USB hub makes them."""
    x = x.copy()
    win = int(0.02 * sr)
    env = np.sqrt(np.convolve(x * x, np.ones(win) / win, mode="same"))
    spots: list[int] = []
    for i in np.argsort(env)[::-1]:
        if all(abs(i - s) > sr for s in spots) and 2 * win < i < x.size - 3 * win:
            spots.append(int(i))
        if len(spots) == count:
            break
    for s in spots:
        x[s : s + win] = 0.0
    return x
