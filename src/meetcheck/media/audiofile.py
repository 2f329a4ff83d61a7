"""Reading a speaker's recording: any format and rate PyAV (FFmpeg) decodes, streamed.

Why a probe separate from the analysis: a file that is empty, cut short, corrupt or not
audio at all is a mistake on the command line, reported before any check runs (exit 2),
while a file that decodes but holds silence is a finding of the checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from meetcheck.media.analysis import AudioAnalysis

_QUICK_PROBE = {"probesize": "32", "analyzeduration": "0"}
CHUNK_S = 1.0  # decoded audio is fed to the meters in chunks of about this length
PROBE_DECODE_S = 2.0
TRUNCATED_TOLERANCE = 0.02  # declared and found durations may differ by 2 % (MP3 estimates)


class AudioFileError(Exception):
    """The file cannot be read as audio; the message says why in a few words."""


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    container: str
    sample_rate: int
    channels: int
    layout: str
    duration_s: float | None  # what the file declares, if it does


def _open(path: str | Path):  # noqa: ANN202 -- av.container.InputContainer
    import av

    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise AudioFileError(exc.strerror or "cannot be read") from None
    if size == 0:
        raise AudioFileError("the file is empty")
    # FFmpeg's default probing reads and decodes ahead for about 15 ms, as much as the
    # analysis of a second of audio; a few bytes tell a WAV, FLAC or Ogg. Formats that need
    # more (an MP3 behind a large tag, a stream whose parameters come later) are opened
    # again with the defaults.
    for options in (_QUICK_PROBE, {}):
        try:
            container = av.open(str(p), mode="r", options=options)
        except av.FFmpegError as exc:
            if options:
                continue
            raise AudioFileError(f"not an audio file PyAV can read ({_reason(exc)})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AudioFileError(f"cannot be read ({exc})") from None
        audio = container.streams.audio
        ctx = audio[0].codec_context if audio else None
        if ctx is not None and ctx.sample_rate and ctx.channels:
            return container
        container.close()
        if not options and not audio:
            raise AudioFileError("the file has no audio stream")
    return av.open(str(p), mode="r")  # parameters unknown even so: the caller reports it


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip() or type(exc).__name__


def probe_audio(path: str | Path) -> AudioInfo:
    """Open the file, demux it to the end and decode its first seconds.

    Raises AudioFileError for an empty, truncated, corrupt or non-audio file. Demuxing
    without decoding is fast (the file is read once), and it is what finds a file that
    ends before its header says it should.
    """
    import av

    container = _open(path)
    try:
        stream = container.streams.audio[0]
        info = _info(container, stream)
        if info.sample_rate <= 0 or info.channels <= 0:
            raise AudioFileError("the audio stream has no sample rate or channels")
        decoded = 0.0
        found = 0.0
        for packet in container.demux(stream):
            if packet.duration and packet.time_base:
                found += float(packet.duration * packet.time_base)
            if decoded < PROBE_DECODE_S:
                for frame in packet.decode():
                    decoded += frame.samples / (frame.sample_rate or info.sample_rate)
        if decoded <= 0 and found <= 0:
            raise AudioFileError("the file holds no audio samples")
        cut = _cut_short(Path(path), info.container)
        if cut:
            raise AudioFileError(f"the file is truncated: {cut}")
        if info.duration_s and found and found < info.duration_s * (1 - TRUNCATED_TOLERANCE) - 0.05:
            raise AudioFileError(
                f"the file is truncated: it declares {info.duration_s:.2f} s of audio "
                f"but holds {found:.2f} s"
            )
        return info
    except av.FFmpegError as exc:
        raise AudioFileError(f"corrupt audio ({_reason(exc)})") from None
    finally:
        container.close()


def _cut_short(path: Path, container: str) -> str:
    """Why a WAV or Ogg file ends early, from its own framing, or ''.

    FFmpeg reads both happily to wherever they stop: a WAV's length is taken from the file
    size, an Ogg's from its last page. The framing still tells: a WAV's data chunk
    declares its size, and an Ogg stream's last page carries the end-of-stream flag.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(65536)
        if container == "wav" and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            pos = 12
            while pos + 8 <= len(head):
                chunk, length = (
                    head[pos : pos + 4],
                    int.from_bytes(head[pos + 4 : pos + 8], "little"),
                )
                if chunk == b"data":
                    if 0 < length < 0xFFFFFFFF and pos + 8 + length > size:
                        held = size - pos - 8
                        return f"its header declares {length} bytes of audio, it holds {held}"
                    return ""
                pos += 8 + length + (length & 1)
            return ""
        if container == "ogg":
            fh.seek(max(0, size - 65536))
            tail = fh.read()
            last = tail.rfind(b"OggS")
            if last >= 0 and last + 6 <= len(tail) and not tail[last + 5] & 0x04:
                return "its last page does not end the stream"
    return ""


def _declared_duration(container, stream) -> float | None:  # noqa: ANN001
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


_INT_SCALE = {"s16": 32768.0, "s32": 2147483648.0, "u8": 128.0, "flt": 1.0, "dbl": 1.0}


def _as_float(frame) -> np.ndarray:  # noqa: ANN001 -- av.AudioFrame
    """(channels, n) float64 from a decoded frame of any sample format, without a resampler
    for the common formats (a resampler costs as much as the whole analysis of a WAV)."""
    import numpy as np

    fmt = frame.format.name
    base = fmt.rstrip("p")
    scale = _INT_SCALE.get(base)
    if scale is None:
        return None
    arr = frame.to_ndarray()
    if not frame.format.is_planar:
        arr = arr.reshape(-1, len(frame.layout.channels)).T
    out = arr.astype(np.float64)
    if base == "u8":
        out -= 128.0
    if scale != 1.0:
        out /= scale
    return out


def _chunks(container, stream, chunk_s: float) -> Iterator[np.ndarray]:  # noqa: ANN001
    import av
    import numpy as np

    resampler = None
    pending: list[np.ndarray] = []
    have = 0
    target = max(1, int(chunk_s * (stream.codec_context.sample_rate or 48000)))

    def convert(frame) -> list[np.ndarray]:  # noqa: ANN001
        nonlocal resampler
        arr = _as_float(frame)
        if arr is not None:
            return [arr]
        if resampler is None:
            resampler = av.AudioResampler(format="fltp")  # keeps rate and layout
        frame.pts = None
        return [o.to_ndarray().astype(np.float64) for o in resampler.resample(frame)]

    try:
        for frame in container.decode(stream):
            for arr in convert(frame):
                pending.append(arr)
                have += arr.shape[1]
            if have >= target:
                yield np.concatenate(pending, axis=1)
                pending, have = [], 0
        if resampler is not None:
            pending += [o.to_ndarray().astype(np.float64) for o in resampler.resample(None)]
    except av.FFmpegError as exc:
        raise AudioFileError(f"corrupt audio ({_reason(exc)})") from None
    if pending:
        yield np.concatenate(pending, axis=1)


def _info(container, stream) -> AudioInfo:  # noqa: ANN001
    ctx = stream.codec_context
    return AudioInfo(
        codec=ctx.name or "",
        container=container.format.name if container.format else "",
        sample_rate=int(ctx.sample_rate or stream.rate or 0),
        channels=int(ctx.channels or 0),
        layout=ctx.layout.name if ctx.layout else "",
        duration_s=_declared_duration(container, stream),
    )


def iter_pcm(path: str | Path, chunk_s: float = CHUNK_S) -> Iterator[np.ndarray]:
    """Decoded audio as float64 (channels, n) arrays of about ``chunk_s`` seconds."""
    container = _open(path)
    try:
        yield from _chunks(container, container.streams.audio[0], chunk_s)
    finally:
        container.close()


def analyse_file(path: str | Path, chunk_s: float = CHUNK_S) -> AudioAnalysis:
    """Decode the file once, streaming, and measure it (blocking: run it in a thread)."""
    from meetcheck.media.analysis import AudioAnalyzer

    container = _open(path)
    try:
        stream = container.streams.audio[0]
        info = _info(container, stream)
        analyzer: AudioAnalyzer | None = None
        for chunk in _chunks(container, stream, chunk_s):
            if analyzer is None:
                analyzer = AudioAnalyzer(info.sample_rate, chunk.shape[0])
            analyzer.feed(chunk)
    finally:
        container.close()
    if analyzer is None:
        raise AudioFileError("the file holds no audio samples")
    result = analyzer.finish()
    result.codec, result.container, result.layout = info.codec, info.container, info.layout
    return result


def read_mono(path: str | Path, rate: int, max_seconds: float) -> np.ndarray:
    """At most ``max_seconds`` of the file as float32 mono at ``rate`` (PyAV's resampler):
    what a WebRTC call sends."""
    import av
    import numpy as np

    container = _open(path)
    try:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        parts: list[np.ndarray] = []
        have = 0
        want = int(max_seconds * rate)
        for frame in container.decode(container.streams.audio[0]):
            frame.pts = None
            for out in resampler.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
                have += parts[-1].size
            if have >= want:
                break
    except av.FFmpegError as exc:
        raise AudioFileError(f"corrupt audio ({_reason(exc)})") from None
    finally:
        container.close()
    pcm = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return pcm[:want].astype(np.float32)
