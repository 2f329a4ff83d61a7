"""Python WebRTC clients: a WHEP player and an echo caller.

Used by the tests, the benchmarks and the channel and network checks. They talk to any
WHEP/WHIP-style server, not only ``meetcheck serve``. When the target is a loopback URL,
host candidates are restricted to loopback (:mod:`meetcheck.webrtc.loopback`), and no
public STUN server is ever used: ``ice_servers`` defaults to none.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urljoin

import aiohttp
import av
import numpy as np
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetcheck.aio import cancel_and_wait
from meetcheck.media.frames import FRAME_SAMPLES, SAMPLE_RATE, TIME_BASE
from meetcheck.webrtc import loopback

AUTO = "auto"


class EndpointError(Exception):
    """The endpoint refused the offer (``status``, ``detail``, response ``headers``)."""

    def __init__(self, status: int, detail: str, headers: Any = None) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """A decoded frame as float32 mono (first channel) in [-1, 1)."""
    arr = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.is_planar:
        mono = arr[0]
    else:
        mono = arr.reshape(-1, channels)[:, 0]
    if mono.dtype == np.int16:
        return mono.astype(np.float32) / 32768.0
    return mono.astype(np.float32)


class PcmTrack(MediaStreamTrack):
    """Plays a float32 mono 48 kHz array in a loop, paced in real time (20 ms frames)."""

    kind = "audio"

    def __init__(self, pcm: np.ndarray) -> None:
        super().__init__()
        pcm = np.asarray(pcm, dtype=np.float32).reshape(-1)
        pad = -len(pcm) % FRAME_SAMPLES
        self.pcm = np.concatenate([pcm, np.zeros(pad, np.float32)]) if pad else pcm
        self._s16 = (np.clip(self.pcm, -1, 1) * 32767).astype(np.int16)
        self._pos = 0
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._pts / SAMPLE_RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        chunk = self._s16[self._pos : self._pos + FRAME_SAMPLES]
        self._pos = (self._pos + FRAME_SAMPLES) % len(self._s16)
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = TIME_BASE
        self._pts += FRAME_SAMPLES
        return frame


def tone(freq: float, seconds: float = 1.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


class _Receiver:
    """Collects decoded audio from a remote track into a bounded buffer."""

    def __init__(self, keep_seconds: float) -> None:
        self.keep = int(keep_seconds * SAMPLE_RATE)
        self.chunks: list[np.ndarray] = []
        self.samples = 0  # total received
        self.frames = 0
        self.first_frame_at: float | None = None
        self.first_frame = asyncio.Event()
        self.new_audio = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.ended = False

    def start(self, track: MediaStreamTrack) -> None:
        self.task = asyncio.ensure_future(self._run(track))

    async def _run(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                mono = frame_to_mono(frame)  # type: ignore[arg-type]
                if self.first_frame_at is None:
                    self.first_frame_at = time.monotonic()
                    self.first_frame.set()
                self.frames += 1
                self.samples += len(mono)
                self.chunks.append(mono)
                held = sum(len(c) for c in self.chunks)
                while self.chunks and held - len(self.chunks[0]) >= self.keep:
                    held -= len(self.chunks.pop(0))
                self.new_audio.set()
        except (MediaStreamError, asyncio.CancelledError):
            pass
        finally:
            self.ended = True
            self.new_audio.set()

    async def read(self, seconds: float, timeout: float | None = None) -> np.ndarray:
        """The next ``seconds`` of audio received from now on."""
        want = int(seconds * SAMPLE_RATE)
        start = self.samples
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.samples - start < want and not self.ended:
            self.new_audio.clear()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if remaining == 0.0:
                raise TimeoutError(f"received {self.samples - start} of {want} samples")
            try:
                await asyncio.wait_for(self.new_audio.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(f"received {self.samples - start} of {want} samples") from None
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        got = self.samples - start
        return audio[len(audio) - min(got, len(audio)) :][:want]

    async def stop(self) -> None:
        await cancel_and_wait(self.task)


class _Caller:
    """Shared offer/answer over HTTP (WHEP and WHIP-style)."""

    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        http: aiohttp.ClientSession | None = None,
        ice_servers: list[RTCIceServer] | None = None,
        ice_addresses: Any = AUTO,
        keep_seconds: float = 10.0,
        ssl: Any = None,
        ice_transport_policy: str = "all",
    ) -> None:
        self.url = url
        self.token = token
        self._http = http
        self._own_http = http is None
        self.ice_servers = list(ice_servers or [])
        self.ice_addresses = (
            loopback.addresses_for_url(url) if ice_addresses == AUTO else ice_addresses
        )
        self.ssl = ssl
        # "relay": only TURN candidates, as a network that allows nothing else would.
        self.ice_transport_policy = ice_transport_policy
        self.pc: RTCPeerConnection | None = None
        self.receiver = _Receiver(keep_seconds)
        self.location = ""
        self.etag = ""
        self.links: list[str] = []
        self.offer_sdp = ""
        self.answer_sdp = ""
        self.posted_at: float | None = None
        self.answered_at: float | None = None
        self.connected = asyncio.Event()

    def _headers(self, content_type: str | None = None) -> dict[str, str]:
        h = {}
        if content_type:
            h["Content-Type"] = content_type
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def _setup(self, pc: RTCPeerConnection) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def connect(self, timeout: float = 10.0) -> None:
        """Offer, POST, apply the answer; returns when the answer is applied."""
        if self._http is None:
            self._http = aiohttp.ClientSession()
        from aiortc import RTCIceTransportPolicy

        policy = RTCIceTransportPolicy(self.ice_transport_policy)
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=self.ice_servers, iceTransportPolicy=policy)
        )
        self.pc = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self.receiver.start(track)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected":
                self.connected.set()

        self._setup(pc)
        with loopback.host_addresses(self.ice_addresses):
            await pc.setLocalDescription(await pc.createOffer())
        self.offer_sdp = pc.localDescription.sdp
        self.posted_at = time.monotonic()
        async with self._http.post(
            self.url,
            data=self.offer_sdp.encode(),
            headers=self._headers("application/sdp"),
            timeout=aiohttp.ClientTimeout(total=timeout),
            ssl=self.ssl,
        ) as resp:
            body = await resp.text()
            if resp.status != 201:
                try:
                    detail = json.loads(body).get("detail", body)
                except ValueError:
                    detail = body
                raise EndpointError(resp.status, detail, resp.headers)
            self.location = urljoin(self.url, resp.headers.get("Location", ""))
            self.etag = resp.headers.get("ETag", "")
            self.links = resp.headers.getall("Link", [])
            self.answer_sdp = body
        self.answered_at = time.monotonic()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=self.answer_sdp, type="answer"))

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def first_frame(self, timeout: float = 10.0) -> float:
        """Seconds from the POST to the first decoded audio frame."""
        await asyncio.wait_for(self.receiver.first_frame.wait(), timeout)
        assert self.posted_at is not None and self.receiver.first_frame_at is not None
        return self.receiver.first_frame_at - self.posted_at

    async def read(self, seconds: float, timeout: float = 10.0) -> np.ndarray:
        return await self.receiver.read(seconds, timeout)

    def candidates(self) -> dict[str, list[str]]:
        """Addresses of the ICE candidates in the offer and the answer."""
        return {
            "offer": loopback.candidate_addresses(self.offer_sdp),
            "answer": loopback.candidate_addresses(self.answer_sdp),
        }

    async def delete(self) -> int:
        """DELETE the session; returns the status (0 if there was none)."""
        if not self.location or self._http is None:
            return 0
        async with self._http.delete(self.location, headers=self._headers(), ssl=self.ssl) as r:
            await r.read()
            self.location = ""
            return r.status

    async def close(self, delete: bool = True) -> None:
        """DELETE the session (unless ``delete`` is False: a vanishing client) and close."""
        try:
            if delete:
                await self.delete()
        finally:
            await self.receiver.stop()
            if self.pc is not None:
                await self.pc.close()
            if self._own_http and self._http is not None:
                await self._http.close()

    async def __aenter__(self) -> _Caller:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class WhepClient(_Caller):
    """A WHEP player: receives one channel's audio."""

    def _setup(self, pc: RTCPeerConnection) -> None:
        pc.addTransceiver("audio", direction="recvonly")


class EchoClient(_Caller):
    """Calls the echo endpoint: sends ``pcm`` (looped) and/or probes on a data channel.

    The data channel is unordered with ``maxRetransmits=0`` so loss and delay are real.
    """

    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        pcm: np.ndarray | None = None,
        data_channel: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, token, **kwargs)
        self.pcm = pcm
        self.want_channel = data_channel
        self.channel: Any = None
        self.channel_open = asyncio.Event()
        self.replies: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
        self.track: PcmTrack | None = None

    def _setup(self, pc: RTCPeerConnection) -> None:
        if self.pcm is not None:
            self.track = PcmTrack(self.pcm)
            pc.addTrack(self.track)
        if self.want_channel:
            self.channel = pc.createDataChannel("probe", ordered=False, maxRetransmits=0)

            @self.channel.on("open")
            def on_open() -> None:
                self.channel_open.set()

            @self.channel.on("message")
            def on_message(message: Any) -> None:
                self.replies.put_nowait((time.time(), message))

    async def probe(self, count: int = 10, interval: float = 0.02, wait: float = 1.0) -> list:
        """Send ``count`` JSON probes; returns the replies (dicts with ``rtt_ms`` added)."""
        await asyncio.wait_for(self.channel_open.wait(), 10)
        sent: dict[int, float] = {}
        for i in range(count):
            sent[i] = time.time()
            self.channel.send(json.dumps({"seq": i, "t": sent[i]}))
            await asyncio.sleep(interval)
        out = []
        deadline = time.monotonic() + wait
        while len(out) < count and time.monotonic() < deadline:
            try:
                rx, msg = await asyncio.wait_for(self.replies.get(), deadline - time.monotonic())
            except TimeoutError:
                break
            reply = json.loads(msg)
            reply["rtt_ms"] = (rx - sent[reply["seq"]]) * 1000
            out.append(reply)
        return out
