"""Channel sources: one real-time audio programme per channel, shared by all its listeners.

Each :class:`ChannelSource` reads its audio (a file decoded by PyAV in a loop, resampled to
48 kHz mono, or the generated test programme), applies the channel-identity and timing
marks, encodes it to Opus **once**, and hands the same 20 ms packets to every listener's
:class:`ListenerTrack`. aiortc accepts pre-encoded ``av.Packet`` objects from a track and
only packetises them, so a listener costs no encoding: this is what lets one process hold
many listeners (encoding per listener is aiortc's usual cost).

The programme clock
-------------------
Every channel of a server shares one clock, counted in samples at 48 kHz from the server's
start: the frame that leaves at time *t* on any channel carries programme sample
``(t - epoch) * 48000``. The identity encoder gets that index (``start_sample``), so timing
marks line up across channels, and the packets' timestamps are that index too. A source
runs only while it has listeners (plus a short linger), and joins the clock where it
stands when it starts again. If the event loop falls more than ``MAX_LAG`` behind, the
source skips ahead instead of bursting.

Identity marks and the programme come from :mod:`meetcheck.media.identity` and
:mod:`meetcheck.media.programme`; while those modules are absent this file falls back to
a built-in speech-like programme and no marks (see :func:`identity_function`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetcheck.aio import cancel_and_wait
from meetcheck.errors import InputError
from meetcheck.media.frames import FRAME_SAMPLES, SAMPLE_RATE, TIME_BASE

log = logging.getLogger("meetcheck.server.channels")

BLOCK = FRAME_SAMPLES * 10  # read/mark ahead in 200 ms blocks, off the event loop
MAX_LAG = 0.25  # seconds behind schedule before a source skips ahead
LISTENER_QUEUE = 10  # packets (200 ms) a slow listener may fall behind before dropping
LINGER = 2.0  # seconds a source keeps running after its last listener left

IdentityFn = Callable[[np.ndarray, int], np.ndarray]


# -- the media package: identity marks and the generated programme -------------------
def identity_function(code: str, enabled: bool) -> IdentityFn | None:
    """The channel's identity/timing marker, or None when turned off."""
    if not enabled:
        return None
    from meetcheck.media.identity import IdentityEncoder

    encoder = IdentityEncoder(code)

    def apply(pcm: np.ndarray, start_sample: int) -> np.ndarray:
        return np.asarray(encoder.apply(pcm, start_sample), dtype=np.float32)

    return apply


def programme(code: str, seconds: float, seed: int | None = None) -> np.ndarray:
    """The generated test programme for a channel (float32 mono, 48 kHz)."""
    from meetcheck.media.programme import generate_programme

    pcm = generate_programme(code, seconds, sample_rate=SAMPLE_RATE, seed=seed)
    return np.ascontiguousarray(pcm, dtype=np.float32).reshape(-1)


class DelayLine:
    """Delays a stream by a fixed number of samples (silence first): a channel that lags
    the programme clock, as an interpretation path through another encoder or relay does.
    """

    def __init__(self, samples: int) -> None:
        self.pending = np.zeros(samples, dtype=np.float32)

    def process(self, pcm: np.ndarray) -> np.ndarray:
        if not len(self.pending):
            return pcm
        joined = np.concatenate([self.pending, pcm])
        self.pending = joined[len(pcm) :]
        return joined[: len(pcm)]


class ArrayLoopReader:
    """Loops over an in-memory programme."""

    def __init__(self, pcm: np.ndarray) -> None:
        if len(pcm) == 0:
            raise ValueError("empty programme")
        self.pcm = pcm
        self.pos = 0

    def read(self, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.float32)
        filled = 0
        while filled < n:
            take = min(n - filled, len(self.pcm) - self.pos)
            out[filled : filled + take] = self.pcm[self.pos : self.pos + take]
            filled += take
            self.pos = (self.pos + take) % len(self.pcm)
        return out

    def close(self) -> None:
        pass


class FileLoopReader:
    """Decodes an audio file with PyAV in a loop: 48 kHz, channels averaged to mono.

    Reads run in executor threads while the source's task may be cancelled and close the
    reader: a lock makes close() wait for a read in progress, because closing a container
    FFmpeg is decoding from crashes the process (seen as a segfault at server shutdown).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._closed = False
        self._container: Any = None
        self._frames: Any = None
        self._resampler: Any = None
        self._chunks: deque[np.ndarray] = deque()
        self._buffered = 0
        self._open()

    def _open(self) -> None:
        self._close_container()
        self._container = av.open(self.path)
        if not self._container.streams.audio:
            self._container.close()
            raise ValueError("no audio stream")
        stream = self._container.streams.audio[0]
        self._frames = self._container.decode(stream)
        # Resample only; downmix here by averaging the channels (ffmpeg's own downmix
        # adds 3 dB per channel, so a loud stereo file would clip).
        self._resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)

    def _take_frames(self, frames: list[Any]) -> int:
        got = 0
        for f in frames:
            planes = f.to_ndarray()
            arr = planes.mean(axis=0) if planes.shape[0] > 1 else planes[0]
            arr = np.ascontiguousarray(arr, dtype=np.float32)
            if len(arr):
                self._chunks.append(arr)
                self._buffered += len(arr)
                got += len(arr)
        return got

    def _decode_more(self) -> None:
        produced_this_pass = 0
        for _attempt in range(2):
            try:
                frame = next(self._frames)
            except (StopIteration, av.error.EOFError):
                frame = None
            except av.error.FFmpegError as exc:
                log.warning("%s: decoding error, restarting the loop: %s", self.path, exc)
                frame = None
            if frame is not None:
                self._take_frames(self._resampler.resample(frame))
                return
            # End of file: flush the resampler and start again from the top.
            produced_this_pass += self._take_frames(self._resampler.resample(None))
            self._open()
        if not produced_this_pass and not self._buffered:
            raise ValueError("the file decodes to no audio")

    def read(self, n: int) -> np.ndarray:
        with self._lock:
            if self._closed:
                raise ValueError("the reader is closed")
            return self._read(n)

    def _read(self, n: int) -> np.ndarray:
        guard = 0
        while self._buffered < n:
            before = self._buffered
            self._decode_more()
            guard = guard + 1 if self._buffered == before else 0
            if guard > 1000:
                raise ValueError("the file decodes to no audio")
        out = np.empty(n, dtype=np.float32)
        filled = 0
        while filled < n:
            chunk = self._chunks[0]
            take = min(len(chunk), n - filled)
            out[filled : filled + take] = chunk[:take]
            filled += take
            if take == len(chunk):
                self._chunks.popleft()
            else:
                self._chunks[0] = chunk[take:]
        self._buffered -= n
        return out

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._close_container()

    def _close_container(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:
                pass
            self._container = None


def probe_source(path: str, what: str = "source") -> None:
    """Raise InputError unless PyAV decodes audio from ``path``."""
    try:
        reader = FileLoopReader(path)
        try:
            reader.read(FRAME_SAMPLES)
        finally:
            reader.close()
    except (ValueError, av.error.FFmpegError, OSError) as exc:
        raise InputError(f"{what}: {path}: cannot decode audio ({exc})") from None


# -- clock -----------------------------------------------------------------------------
class ProgrammeClock:
    """Programme samples since the server's start, on the event loop's monotonic clock."""

    def __init__(self, epoch: float | None = None) -> None:
        self.epoch = time.monotonic() if epoch is None else epoch

    def now(self) -> float:
        return time.monotonic()

    def frame_now(self) -> int:
        """The start sample of the next whole frame."""
        samples = (self.now() - self.epoch) * SAMPLE_RATE
        return int(-(-samples // FRAME_SAMPLES)) * FRAME_SAMPLES

    def time_of(self, sample: int) -> float:
        return self.epoch + sample / SAMPLE_RATE


# -- tracks ----------------------------------------------------------------------------
class ListenerTrack(MediaStreamTrack):
    """One listener's outgoing audio: pre-encoded Opus packets from a shared source."""

    kind = "audio"

    def __init__(self, source: ChannelSource) -> None:
        super().__init__()
        self.source = source
        self._queue: deque[av.Packet] = deque(maxlen=LISTENER_QUEUE)
        self._wake = asyncio.Event()
        self._started = False
        self.sent = 0
        self.dropped = 0

    def push(self, packet: av.Packet) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append(packet)
        self._wake.set()

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if not self._started:
            # Start at the live edge: packets queued while ICE/DTLS were being set up
            # would only add delay.
            self._started = True
            while len(self._queue) > 1:
                self._queue.popleft()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if self._queue:
                self.sent += 1
                return self._queue.popleft()
            self._wake.clear()
            await self._wake.wait()

    def stop(self) -> None:
        if self.readyState == "live":
            super().stop()
            self.source.unsubscribe(self)
        self._wake.set()


class EncodedFrames:
    """Opus encoding of 20 ms float32 frames, packet timestamps on the programme clock."""

    def __init__(self, bitrate: int) -> None:
        codec = av.CodecContext.create("libopus", "w")
        codec.sample_rate = SAMPLE_RATE
        codec.layout = "mono"
        codec.format = "flt"
        codec.bit_rate = bitrate
        codec.time_base = TIME_BASE
        # "audio" keeps the full band and the marks; "voip" would filter and emphasise.
        codec.options = {"application": "audio", "frame_duration": "20"}
        self.codec = codec

    def encode(self, pcm: np.ndarray, sample: int) -> list[av.Packet]:
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = sample
        frame.time_base = TIME_BASE
        packets = list(self.codec.encode(frame))
        for p in packets:
            # One packet per 20 ms frame; stamp it with the frame it belongs to so RTP
            # timestamps follow the programme clock (the codec's own pts starts at -312).
            p.pts = sample
            p.time_base = TIME_BASE
        return packets


class ChannelSource:
    """One channel's programme, paced in real time and fanned out to its listeners."""

    def __init__(
        self,
        code: str,
        label: str,
        clock: ProgrammeClock,
        *,
        source: str = "",
        identity: bool = True,
        identity_code: str = "",
        programme_seconds: float = 30.0,
        seed: int | None = None,
        bitrate: int = 64_000,
        linger: float = LINGER,
        delay_ms: int = 0,
    ) -> None:
        self.code = code
        self.label = label
        self.clock = clock
        self.source = source
        self.identity_enabled = identity
        self.identity_code = identity_code or code
        self.programme_seconds = programme_seconds
        self.seed = seed
        self.bitrate = bitrate
        self.linger = linger
        self.delay_ms = delay_ms
        self._delay: DelayLine | None = None
        self.listeners: set[ListenerTrack] = set()
        self._task: asyncio.Task[None] | None = None
        self._pcm: np.ndarray | None = None
        self._prepared: asyncio.Future[None] | None = None
        self._identity: IdentityFn | None = None
        self._last_listener_left = 0.0
        self.frames = 0
        self.skips = 0
        self.late_frames = 0
        self.starts = 0

    # -- preparation -----------------------------------------------------------------
    def _prepare_sync(self) -> None:
        if not self.source:
            self._pcm = programme(self.code, self.programme_seconds, self.seed)
        self._identity = identity_function(self.identity_code, self.identity_enabled)

    async def prepare(self) -> None:
        """Generate the programme and build the marker (once, off the event loop)."""
        if self._prepared is None:
            loop = asyncio.get_running_loop()
            self._prepared = asyncio.ensure_future(loop.run_in_executor(None, self._prepare_sync))
        await asyncio.shield(self._prepared)

    def _reader(self) -> ArrayLoopReader | FileLoopReader:
        if self.source:
            return FileLoopReader(self.source)
        assert self._pcm is not None
        return ArrayLoopReader(self._pcm)

    # -- listeners -------------------------------------------------------------------
    def subscribe(self) -> ListenerTrack:
        track = ListenerTrack(self)
        self.listeners.add(track)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        return track

    def unsubscribe(self, track: ListenerTrack) -> None:
        self.listeners.discard(track)
        if not self.listeners:
            self._last_listener_left = time.monotonic()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- the real-time loop ------------------------------------------------------------
    def _block(self, reader: Any, start: int) -> np.ndarray:
        pcm = reader.read(BLOCK)
        if self._identity is not None:
            pcm = self._identity(pcm, start)
        if self._delay is not None:
            pcm = self._delay.process(pcm)
        return np.ascontiguousarray(pcm, dtype=np.float32)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self.starts += 1
        reader: Any = None
        try:
            await self.prepare()
            reader = await loop.run_in_executor(None, self._reader)
            # Marked on the programme clock, then delayed: the marks arrive delay_ms late.
            self._delay = DelayLine(self.delay_ms * SAMPLE_RATE // 1000) if self.delay_ms else None
            encoder = EncodedFrames(self.bitrate)
            sample = self.clock.frame_now()
            block_start = sample
            block = await loop.run_in_executor(None, self._block, reader, block_start)
            ahead: asyncio.Future[np.ndarray] | None = None
            while True:
                if not self.listeners and time.monotonic() - self._last_listener_left > (
                    self.linger
                ):
                    break
                delay = self.clock.time_of(sample) - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif -delay > MAX_LAG:
                    # Far behind (a stalled loop): rejoin the clock instead of bursting.
                    self.skips += 1
                    sample = self.clock.frame_now()
                    if ahead is not None:
                        await ahead
                        ahead = None
                    block_start = sample
                    block = await loop.run_in_executor(None, self._block, reader, block_start)
                    continue
                elif -delay > 0.02:
                    self.late_frames += 1
                offset = sample - block_start
                if offset >= len(block):
                    if ahead is None:
                        ahead = loop.run_in_executor(None, self._block, reader, block_start + BLOCK)
                    block = await ahead
                    ahead = None
                    block_start += BLOCK
                    offset = sample - block_start
                if ahead is None and offset >= len(block) // 2:
                    # Read and mark the next 200 ms while this one plays.
                    ahead = loop.run_in_executor(None, self._block, reader, block_start + BLOCK)
                for packet in encoder.encode(block[offset : offset + FRAME_SAMPLES], sample):
                    for track in list(self.listeners):
                        track.push(packet)
                self.frames += 1
                sample += FRAME_SAMPLES
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("channel %s: source stopped", self.code)
            for track in list(self.listeners):
                track.stop()
        finally:
            if reader is not None:
                reader.close()

    async def close(self) -> None:
        for track in list(self.listeners):
            track.stop()
        await cancel_and_wait(self._task)
        self._task = None

    def describe(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "listeners": len(self.listeners),
            "running": self.running,
            "source": "file" if self.source else "generated",
            "identity": self._identity is not None if self._prepared else self.identity_enabled,
            "frames": self.frames,
            "late_frames": self.late_frames,
            "skips": self.skips,
            "delay_ms": self.delay_ms,
        }


class ChannelSet:
    """All channels of a server, on one programme clock."""

    def __init__(self, config: Any) -> None:
        self.clock = ProgrammeClock()
        self.sources: dict[str, ChannelSource] = {}
        for ch in config.channels:
            self.sources[ch.code] = ChannelSource(
                ch.code,
                ch.label or ch.code,
                self.clock,
                source=ch.source,
                identity=config.channel_identity(ch),
                identity_code=ch.identity_code,
                programme_seconds=config.programme_seconds,
                seed=config.seed,
                bitrate=config.opus_bitrate,
                delay_ms=ch.delay_ms,
            )

    def get(self, code: str) -> ChannelSource | None:
        return self.sources.get(code)

    def probe(self) -> None:
        """Check every file source decodes (InputError naming the channel otherwise)."""
        for src in self.sources.values():
            if src.source:
                probe_source(src.source, f"channels.{src.code}.source")

    async def prepare(self) -> None:
        """Prepare every channel, one at a time (a listener's own channel, prepared on
        demand, then competes with one background job, not with all of them)."""
        for source in self.sources.values():
            await source.prepare()

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sources.values()), return_exceptions=True)
