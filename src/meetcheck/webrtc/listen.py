"""A WHEP listener that keeps the audio's timeline: what the channel checks measure from.

:class:`~meetcheck.webrtc.client.WhepClient` collects decoded audio as it comes; a delay
measurement needs more: every frame placed by its RTP timestamp (lost packets become
silence of their length, so timing marks stay on time), and the moment the window's
first sample arrived on this machine's monotonic clock, so that windows recorded from
several channels can be compared. :meth:`ChannelListener.capture` returns both, plus how
much of the window had to be filled in (concealment). The receive statistics come from
aiortc's ``getStats()`` (:func:`inbound_stats`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetcheck.media.frames import SAMPLE_RATE
from meetcheck.webrtc.client import WhepClient, _Receiver, frame_to_mono

# A timestamp jump larger than this is a discontinuity (a sender restart), not loss.
MAX_GAP_SAMPLES = SAMPLE_RATE


@dataclass
class Capture:
    """A window of one channel's audio on its RTP timeline."""

    pcm: np.ndarray  # float32 mono, 48 kHz, lost packets filled with silence
    start_s: float  # time.monotonic() at which the window's first sample arrived
    concealed_samples: int  # samples filled in for lost packets inside the window
    frames: int  # frames decoded inside the window

    @property
    def seconds(self) -> float:
        return len(self.pcm) / SAMPLE_RATE


class _TimedReceiver(_Receiver):
    """Places frames by RTP timestamp and notes when each arrived."""

    def __init__(self, keep_seconds: float) -> None:
        super().__init__(keep_seconds)
        self.expected: int | None = None  # next RTP sample index
        self.filled = 0  # samples filled in so far
        # (sample index on the timeline, arrival time, samples) per decoded frame
        self.arrivals: list[tuple[int, float, int]] = []
        self.timeline = 0  # samples on the timeline so far

    def _append(self, mono: np.ndarray) -> None:
        self.chunks.append(mono)
        self.samples += len(mono)
        self.timeline += len(mono)
        held = sum(len(c) for c in self.chunks)
        while self.chunks and held - len(self.chunks[0]) >= self.keep:
            held -= len(self.chunks.pop(0))

    async def _run(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                now = time.monotonic()
                mono = frame_to_mono(frame)  # type: ignore[arg-type]
                if self.first_frame_at is None:
                    self.first_frame_at = now
                    self.first_frame.set()
                pts = getattr(frame, "pts", None)
                if pts is not None and self.expected is not None:
                    gap = pts - self.expected
                    if 0 < gap <= MAX_GAP_SAMPLES:
                        self.filled += gap
                        self._append(np.zeros(gap, np.float32))
                    elif gap < 0 and -gap < len(mono):
                        mono = mono[-gap:]  # overlap: keep the new part only
                self.arrivals.append((self.timeline, now, len(mono)))
                if len(self.arrivals) > 4 * self.keep // max(1, len(mono)):
                    del self.arrivals[: len(self.arrivals) // 2]
                self.frames += 1
                self._append(mono)
                if pts is not None:
                    self.expected = pts + frame.samples  # type: ignore[union-attr]
                self.new_audio.set()
        except (MediaStreamError, asyncio.CancelledError):
            pass
        finally:
            self.ended = True
            self.new_audio.set()


class ChannelListener(WhepClient):
    """A WHEP player whose audio keeps its RTP timeline (see the module docstring)."""

    def __init__(self, url: str, token: str = "", **kwargs: Any) -> None:
        super().__init__(url, token, **kwargs)
        self.receiver: _TimedReceiver = _TimedReceiver(kwargs.get("keep_seconds", 10.0))

    async def capture(self, seconds: float, timeout: float = 10.0) -> Capture:
        """The next ``seconds`` of the channel's timeline, with its arrival time."""
        rx = self.receiver
        start = rx.timeline
        filled_before = rx.filled
        want = int(seconds * SAMPLE_RATE)
        deadline = time.monotonic() + timeout
        while rx.timeline - start < want and not rx.ended:
            rx.new_audio.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"received {rx.timeline - start} of {want} samples")
            try:
                await asyncio.wait_for(rx.new_audio.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(f"received {rx.timeline - start} of {want} samples") from None
        got = min(rx.timeline - start, want)
        audio = np.concatenate(rx.chunks) if rx.chunks else np.zeros(0, np.float32)
        offset = max(0, len(audio) - (rx.timeline - start))  # the window's first sample
        pcm = audio[offset : offset + got]
        # The window's first sample arrived no later than any frame in it allows: the
        # earliest (arrival - position) over its frames, i.e. the least-delayed frame.
        inside = [(i, t) for i, t, _n in rx.arrivals if start <= i < start + got]
        if inside:
            start_s = min(t - (i - start) / SAMPLE_RATE for i, t in inside)
        else:
            start_s = time.monotonic() - got / SAMPLE_RATE
        return Capture(
            pcm=np.ascontiguousarray(pcm, dtype=np.float32),
            start_s=start_s,
            concealed_samples=rx.filled - filled_before,
            frames=len(inside),
        )


async def inbound_stats(client: WhepClient) -> dict[str, float]:
    """The receiver's view of the channel: packets received and lost, jitter in ms."""
    if client.pc is None:
        return {}
    report = await client.pc.getStats()
    out: dict[str, float] = {}
    for stat in report.values():
        if getattr(stat, "type", "") == "inbound-rtp" and getattr(stat, "kind", "") == "audio":
            received = float(stat.packetsReceived or 0)
            lost = max(0.0, float(stat.packetsLost or 0))
            out["packets_received"] = received
            out["packets_lost"] = lost
            out["loss_pct"] = 100.0 * lost / (received + lost) if received + lost else 0.0
            # RTP clock units (48 kHz for Opus) to milliseconds
            out["jitter_ms"] = 1000.0 * float(stat.jitter or 0) / SAMPLE_RATE
    return out
