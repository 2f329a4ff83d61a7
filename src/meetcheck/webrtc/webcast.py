"""The client side of a live webcast: an HLS playlist or a plain HTTP audio stream, read
through PyAV (FFmpeg's HLS demuxer and HTTP client), as UN Web TV followers receive it.

Blocking on purpose (FFmpeg's I/O is): call :func:`listen` in a thread. It returns the
first ``seconds`` of audio as 48 kHz mono float32, the time from opening to the first
decoded audio, and the stream time of the first sample. Renditions of one webcast share
the encoder's clock, so stream times place recordings of several language streams on one
timeline: that is what the delay between them is measured on (wall-clock arrival would
mostly measure how the player fetched segments).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import av
import numpy as np

from meetcheck.media.frames import SAMPLE_RATE

# PyAV raises one class per HTTP status class; the status itself is in the message.
_HTTP_STATUS = {
    "HTTPBadRequestError": 400,
    "HTTPUnauthorizedError": 401,
    "HTTPForbiddenError": 403,
    "HTTPNotFoundError": 404,
    "HTTPTooManyRequestsError": 429,
}


class WebcastError(Exception):
    """The stream could not be opened or read (``status``: the HTTP status, if known)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class WebcastCapture:
    pcm: np.ndarray  # float32 mono at 48 kHz
    start_s: float  # stream time of the first sample (seconds)
    first_audio_s: float  # from opening the URL to the first decoded audio
    format: str  # the container FFmpeg recognised (hls, ogg, mp3, ...)

    @property
    def seconds(self) -> float:
        return len(self.pcm) / SAMPLE_RATE


def http_status(exc: BaseException) -> int | None:
    name = type(exc).__name__
    if name in _HTTP_STATUS:
        return _HTTP_STATUS[name]
    if name == "HTTPServerError":
        return 500
    return None


def listen(
    url: str,
    seconds: float,
    *,
    token: str = "",
    timeout: float = 10.0,
) -> WebcastCapture:
    """Read ``seconds`` of audio from ``url`` (blocking; at most about ``timeout`` +
    ``seconds`` + a read timeout of wall time)."""
    options = {"rw_timeout": str(int(timeout * 1e6))}
    if token:
        options["headers"] = f"Authorization: Bearer {token}\r\n"
    started = time.monotonic()
    try:
        container = av.open(url, options=options, timeout=(timeout, timeout))
    except av.error.FFmpegError as exc:
        status = http_status(exc)
        raise WebcastError(f"cannot open the stream ({_short(exc)})", status) from None
    try:
        if not container.streams.audio:
            raise WebcastError("the stream has no audio")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        want = int(seconds * SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        got = 0
        first_at: float | None = None
        start_s: float | None = None
        deadline = started + timeout + seconds * 2
        try:
            for frame in container.decode(stream):
                if first_at is None:
                    first_at = time.monotonic()
                    start_s = float(frame.time) if frame.time is not None else 0.0
                for out in resampler.resample(frame):
                    mono = out.to_ndarray().reshape(-1)
                    chunks.append(mono.astype(np.float32, copy=False))
                    got += len(mono)
                if got >= want or time.monotonic() > deadline:
                    break
        except av.error.FFmpegError as exc:
            if not chunks:
                message = f"cannot read the stream ({_short(exc)})"
                raise WebcastError(message, http_status(exc)) from None
        if first_at is None or start_s is None:
            raise WebcastError("the stream carried no audio")
        pcm = np.concatenate(chunks)[:want] if chunks else np.zeros(0, np.float32)
        return WebcastCapture(
            pcm=np.ascontiguousarray(pcm, dtype=np.float32),
            start_s=start_s,
            first_audio_s=first_at - started,
            format=container.format.name,
        )
    finally:
        container.close()


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
