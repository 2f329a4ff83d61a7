"""A live-webcast stand-in for tests: HLS playlists (and plain audio files) that carry the
channel-identity marks, written with PyAV and served over HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from meetcheck.media.identity import IdentityEncoder
from meetcheck.media.programme import generate_programme

RATE = 48000


def marked_programme(
    code: str, seconds: float, *, identity: str = "", delay_ms: int = 0, seed: int = 1
) -> np.ndarray:
    """The generated programme with identity marks on a programme clock starting at 0,
    delayed by ``delay_ms`` (silence first), as a webcast encoder would get it."""
    pcm = generate_programme(code, seconds, sample_rate=RATE, seed=seed).astype(np.float32)
    pcm = IdentityEncoder(identity or code).apply(pcm, 0).astype(np.float32)
    shift = delay_ms * RATE // 1000
    return np.concatenate([np.zeros(shift, np.float32), pcm])[: len(pcm)]


def _encode(out: av.container.OutputContainer, stream: av.AudioStream, pcm: np.ndarray) -> None:
    step = 1024
    for i in range(0, len(pcm), step):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(pcm[i : i + step]).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = i
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def write_hls(playlist: Path, pcm: np.ndarray, segment_s: int = 2) -> Path:
    """An HLS playlist of AAC segments (a finished, VOD-style playlist)."""
    options = {"hls_time": str(segment_s), "hls_list_size": "0", "hls_playlist_type": "vod"}
    out = av.open(str(playlist), "w", format="hls", options=options)
    stream = out.add_stream("aac", rate=RATE)
    stream.layout = "mono"
    stream.bit_rate = 128000
    _encode(out, stream, pcm)
    out.close()
    return playlist


def write_ogg(path: Path, pcm: np.ndarray) -> Path:
    """A plain Ogg/Opus audio file, served as an HTTP audio stream."""
    out = av.open(str(path), "w", format="ogg")
    stream = out.add_stream("libopus", rate=RATE)
    stream.layout = "mono"
    stream.bit_rate = 64000
    _encode(out, stream, pcm)
    out.close()
    return path


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """A static HTTP server for ``root`` on 127.0.0.1; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
